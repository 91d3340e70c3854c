import type { Cluster, Redis } from "ioredis";
import type { RedisConnection } from "./types.js";

function scanOne(client: Redis, pattern: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const keys: string[] = [];
    const stream = client.scanStream({ match: pattern, count });
    stream.on("data", (batch: string[]) => keys.push(...batch));
    stream.on("error", reject);
    stream.on("end", () => resolve(keys));
  });
}

/** Every key matching `pattern`, scanning each master of a Cluster; duplicates removed. */
export async function scanKeys(redis: RedisConnection, pattern: string, count: number): Promise<string[]> {
  const clients = redis.isCluster ? (redis as Cluster).nodes("master") : [redis as Redis];
  const found = await Promise.all(clients.map((client) => scanOne(client, pattern, count)));
  return [...new Set(found.flat())];
}

/**
 * Values of `keys` with MGET in batches, as `[key, value]` pairs of the keys that exist.
 * In a Cluster every batch must share a slot, which the hash-tag layout guarantees.
 */
export async function getExisting(redis: RedisConnection, keys: readonly string[], batch = 500): Promise<string[]> {
  const pairs: string[] = [];
  for (let first = 0; first < keys.length; first += batch) {
    const slice = keys.slice(first, first + batch);
    const values = await redis.mget(...slice);
    values.forEach((value, i) => {
      if (value !== null) pairs.push(slice[i] as string, value);
    });
  }
  return pairs;
}

/** UNLINKs `keys` in batches (one slot per batch in a Cluster, as the hash-tag layout guarantees). */
export async function unlinkAll(redis: RedisConnection, keys: readonly string[], batch = 500): Promise<number> {
  let removed = 0;
  for (let first = 0; first < keys.length; first += batch) {
    removed += await redis.unlink(...keys.slice(first, first + batch));
  }
  return removed;
}
