import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startRedisServer } from "./redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the Redis the suite talks to: `REDIS_URL`, or a `redis-server` started for the run. */
    redisUrl: string;
  }
}

/**
 * Vitest global setup: provides `redisUrl` to every test file. Uses `REDIS_URL` when set;
 * otherwise starts a throwaway `redis-server` on a free port and stops it after the run.
 */
export async function redisGlobalSetup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env["REDIS_URL"];
  if (external) {
    project.provide("redisUrl", external);
    return async () => undefined;
  }
  const server = await startRedisServer();
  project.provide("redisUrl", server.url);
  return () => server.stop();
}
