import { isOutOfMemoryReply, isTransientReply } from "./errors.js";
import { createKeySpace, type KeyLayout } from "./keys.js";
import type { RedisConnection } from "./types.js";

/** What a health probe found: Redis takes writes, refuses them for now, or does not answer. */
export type StoreHealth =
  | { state: "up" }
  /** Redis answers but refuses writes: out of memory (`full`) or a replica / failing over (`read-only`). */
  | { state: "full" | "read-only"; reason: string }
  | { state: "down"; reason: string };

/**
 * Writes a short-lived key (`wf:health:probe`, 10 s) to learn whether Redis takes writes, not
 * only whether it answers: a Redis at `maxmemory` answers `PING` and refuses every write, which
 * is when the apps must say they are degraded.
 */
export async function probeStoreHealth(redis: RedisConnection, keyLayout: KeyLayout = "plain"): Promise<StoreHealth> {
  try {
    await redis.set(createKeySpace(keyLayout).healthProbeKey, String(Date.now()), "PX", 10_000);
    return { state: "up" };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (isOutOfMemoryReply(error)) return { state: "full", reason };
    if (isTransientReply(error)) return { state: "read-only", reason };
    return { state: "down", reason };
  }
}
