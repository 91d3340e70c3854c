import { TASK_ID_PATTERN } from "@wf/context";
import type { RedisConnection } from "./types.js";

/** A task in a listing: its id and when it was created (ms since the epoch). */
export interface ListedTask {
  taskId: string;
  createdAtMs: number;
}

/** One page of a listing, newest first; `nextCursor` is null after the last page. */
export interface TaskPage {
  tasks: ListedTask[];
  nextCursor: string | null;
}

/** A listing cursor: the creation time and id of the last task returned. Opaque to clients. */
const CURSOR = /^(\d{1,16}):(.+)$/;

/** The cursor that continues a listing after `task`. */
export function listingCursorOf(task: ListedTask): string {
  return `${task.createdAtMs}:${task.taskId}`;
}

/** Parses a cursor from a client; null when it is not one this store issued. */
export function parseListingCursor(cursor: string): { score: number; taskId: string } | null {
  const match = CURSOR.exec(cursor);
  if (!match || !TASK_ID_PATTERN.test(match[2] as string)) return null;
  return { score: Number(match[1]), taskId: match[2] as string };
}

/**
 * Reads a page of a listing: tasks created before the cursor's, newest first. Tasks created in
 * the same millisecond are ordered by id (descending), so a cursor never skips nor repeats one.
 */
export async function readListingPage(redis: RedisConnection, key: string, cursor: { score: number; taskId: string } | null, limit: number): Promise<TaskPage> {
  const tasks: ListedTask[] = [];
  const batch = limit + 16;
  let offset = 0;
  for (;;) {
    const reply = await redis.zrevrangebyscore(key, cursor ? cursor.score : "+inf", "-inf", "WITHSCORES", "LIMIT", offset, batch);
    for (let i = 0; i + 1 < reply.length && tasks.length < limit; i += 2) {
      const taskId = reply[i] as string;
      const score = Number(reply[i + 1]);
      // Tasks of the cursor's millisecond at or after the cursor's id were on earlier pages.
      if (cursor && score === cursor.score && taskId >= cursor.taskId) continue;
      tasks.push({ taskId, createdAtMs: score });
    }
    if (tasks.length >= limit || reply.length < batch * 2) break;
    offset += batch;
  }
  const last = tasks.at(-1);
  return { tasks, nextCursor: tasks.length === limit && last ? listingCursorOf(last) : null };
}

/**
 * Adds a task to listings outside the write script (a Cluster, where the listings live in
 * another slot than the task), with the same trimming the script applies.
 */
export async function addToListings(redis: RedisConnection, keys: readonly string[], taskId: string, nowMs: number, keepSeconds: number, maxEntries: number): Promise<void> {
  const pipeline = redis.pipeline();
  for (const key of keys) {
    pipeline.zadd(key, "NX", nowMs, taskId);
    pipeline.zremrangebyscore(key, "-inf", nowMs - keepSeconds * 1000);
    pipeline.zremrangebyrank(key, 0, -(maxEntries + 1));
    pipeline.expire(key, keepSeconds);
  }
  await pipeline.exec();
}

/** Removes a task from listings. */
export async function removeFromListings(redis: RedisConnection, keys: readonly string[], taskId: string): Promise<void> {
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.zrem(key, taskId);
  await pipeline.exec();
}
