import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    {
      name: "lua-as-text",
      transform(code, id) {
        return id.endsWith(".lua") ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined;
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
  },
});
