import { TaskEventSchema, type TaskEvent } from "@wf/context";
import type { RedisConnection } from "./types.js";

/** An event read from a task's stream, with its stream id (the SSE event id). */
export interface StoredTaskEvent {
  id: string;
  event: TaskEvent;
}

type StreamEntries = [id: string, fields: string[]][];

/** Decodes stream entries (`e` = the event JSON); entries that do not decode are skipped. */
export function decodeEventEntries(entries: StreamEntries | null | undefined): StoredTaskEvent[] {
  const events: StoredTaskEvent[] = [];
  for (const [id, fields] of entries ?? []) {
    const index = fields.indexOf("e");
    if (index < 0) continue;
    try {
      const parsed = TaskEventSchema.safeParse(JSON.parse(fields[index + 1] ?? ""));
      if (parsed.success) events.push({ id, event: parsed.data });
    } catch {
      // Not JSON: not written by the store; nothing to report to a reader.
    }
  }
  return events;
}

/** Events of a stream after `after` (exclusive; from the start when undefined), oldest first. */
export async function readEventRange(redis: RedisConnection, key: string, after: string | undefined, count: number): Promise<StoredTaskEvent[]> {
  const entries = (await redis.xrange(key, after === undefined ? "-" : `(${after}`, "+", "COUNT", count)) as StreamEntries;
  return decodeEventEntries(entries);
}

/** The id of a stream's newest event, or null when it has none. */
export async function lastEventId(redis: RedisConnection, key: string): Promise<string | null> {
  const entries = (await redis.xrevrange(key, "+", "-", "COUNT", 1)) as StreamEntries;
  return entries[0]?.[0] ?? null;
}

/**
 * Waits up to `blockMs` for events after `after` (`XREAD BLOCK`). Blocks its connection: give it
 * one of its own, not a client other work shares.
 */
export async function waitForEventRange(connection: RedisConnection, key: string, after: string, blockMs: number, count: number): Promise<StoredTaskEvent[]> {
  const reply = (await connection.xread("COUNT", count, "BLOCK", blockMs, "STREAMS", key, after)) as [string, StreamEntries][] | null;
  return decodeEventEntries(reply?.[0]?.[1]);
}
