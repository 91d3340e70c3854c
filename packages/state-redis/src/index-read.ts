import type { Redis } from "ioredis";
import type { StoreCommands } from "./commands/index.js";
import { CorruptIndexError, isCorruptIndexReply } from "./errors.js";
import type { KeySpace } from "./keys.js";
import type { RedisConnection } from "./types.js";

/** Reads a task's nodes through its index: `[node key, value, …]` of the nodes that exist. */
export type IndexReader = (taskId: string) => Promise<string[]>;

// Servers that cannot run the native read: a Cluster before Redis 7.2 refuses SORT's GET
// patterns, and Redis before 7.0 has no SORT_RO.
const NATIVE_READ_REFUSED = /SORT denied in Cluster mode|unknown command/i;

const isReplyError = (error: unknown): error is Error => error instanceof Error && error.name === "ReplyError";

/**
 * Creates the indexed read. It is one round trip: `SORT_RO {index} BY nosort GET # GET
 * {task_id}:node:*` lists the index and fetches every node value natively, which costs Redis
 * a fraction of a Lua script that copies each value into Lua and back. Where the server refuses
 * that command, the reader switches for good to the `readTask` script, which does the same.
 * Index members whose node key has expired are pruned (a second round trip, only then).
 * Throws {@link CorruptIndexError} when the index key holds another type.
 */
export function createIndexReader(redis: RedisConnection, commands: StoreCommands, keys: KeySpace): IndexReader {
  let native = true;

  async function readNative(taskId: string, indexKey: string, prefix: string): Promise<string[] | undefined> {
    let reply: (string | null)[];
    try {
      // A Cluster has the same method; the cast only picks one of the union's overload sets.
      const client = redis as Redis;
      reply = (await client.sort_ro(indexKey, "BY", "nosort", "GET", "#", "GET", keys.nodeKeyPattern(taskId))) as (string | null)[];
    } catch (error) {
      if (!isReplyError(error) || !NATIVE_READ_REFUSED.test(error.message)) throw error;
      native = false;
      return undefined;
    }
    const pairs: string[] = [];
    const missing: string[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const taskName = reply[i] as string;
      const value = reply[i + 1];
      if (value === null || value === undefined) missing.push(taskName);
      else pairs.push(prefix + taskName, value);
    }
    if (missing.length > 0) await commands.pruneNodes(indexKey, prefix, missing);
    return pairs;
  }

  async function readScripted(indexKey: string, prefix: string): Promise<string[]> {
    const reply = await commands.readTask(indexKey, prefix);
    for (let i = 0; i < reply.length; i += 2) reply[i] = prefix + (reply[i] as string);
    return reply;
  }

  return async (taskId) => {
    const indexKey = keys.indexKey(taskId);
    const prefix = keys.nodeKeyPrefix(taskId);
    try {
      if (native) {
        const pairs = await readNative(taskId, indexKey, prefix);
        if (pairs) return pairs;
      }
      return await readScripted(indexKey, prefix);
    } catch (error) {
      if (isReplyError(error) && (error.message.startsWith("WRONGTYPE") || isCorruptIndexReply(error))) {
        throw new CorruptIndexError(`the index ${indexKey} is not a sorted set: ${error.message}`);
      }
      throw error;
    }
  };
}
