import { connectRedis } from "@wf/state-redis";
import type { Redis } from "ioredis";

/**
 * An ioredis client that fails fast instead of queueing commands while Redis is away, so a
 * request gets a 503 within about a second rather than hanging; it reconnects by itself.
 * (For a Redis Cluster, use `connectRedis(url, { cluster: true, mode: "fail-fast" })`.)
 */
export function createFailFastRedis(url: string): Redis {
  return connectRedis(url, { mode: "fail-fast" }) as Redis;
}
