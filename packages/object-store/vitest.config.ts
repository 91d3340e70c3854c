import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real transfers of tens of MB against a server that is killed and restarted.
    testTimeout: 30_000,
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
  },
});
