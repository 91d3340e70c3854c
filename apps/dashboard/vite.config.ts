import { defineConfig } from "vite";

// Relative asset paths: the gateway serves the page under /ui/.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
