import { defineConfig } from "vitest/config";

// `pnpm test:failover`: Redis failovers under load (Sentinel with and without WAIT, a Cluster with
// replicas). Not part of `pnpm test`: their figures vary from run to run (see the README's
// guarantees), and they report what a failover lost rather than a fixed outcome.
export default defineConfig({
  test: {
    include: ["failover/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
