import type { Redis } from "ioredis";
import type { StoreCommands } from "./commands/index.js";
import { CorruptIndexError, isCorruptIndexReply, isReplyError, isWrongTypeReply } from "./errors.js";
import type { KeySpace } from "./keys.js";
import type { RedisConnection } from "./types.js";

/** What an indexed read found. */
export interface IndexedNodes {
  /** `[node key, value, …]` of the nodes that exist. */
  pairs: string[];
  /** Indexed node keys that hold another type than a string (foreign values). */
  foreign: { key: string; type: string }[];
}

/** Reads a task's nodes through its index. */
export type IndexReader = (taskId: string) => Promise<IndexedNodes>;

// Servers that cannot run the native read: a Redis 7 Cluster refuses SORT's GET
// patterns, Redis before 7.0 has no SORT_RO, and an ACL may not allow it.
const NATIVE_READ_REFUSED = /SORT denied in Cluster mode|unknown command|^NOPERM/i;

/** `[task name, type, …]` → foreign keys. */
function foreignKeys(prefix: string, namesAndTypes: readonly string[]): IndexedNodes["foreign"] {
  const foreign: IndexedNodes["foreign"] = [];
  for (let i = 0; i + 1 < namesAndTypes.length; i += 2) {
    foreign.push({ key: prefix + (namesAndTypes[i] as string), type: namesAndTypes[i + 1] as string });
  }
  return foreign;
}

/**
 * Creates the indexed read. It is one round trip: `SORT_RO {index} BY nosort GET # GET
 * {task_id}:node:*` lists the index and fetches every node value natively, which costs Redis
 * a fraction of a Lua script that copies each value into Lua and back. Where the server refuses
 * that command, the reader switches for good to the `readTask` script, which does the same.
 * Members that could not be fetched are settled by a second round trip, only then: pruned from
 * the index when their key expired, reported as foreign when it holds another type.
 * Throws {@link CorruptIndexError} when the index key holds another type.
 */
export function createIndexReader(redis: RedisConnection, commands: StoreCommands, keys: KeySpace): IndexReader {
  let native = true;

  async function readNative(taskId: string, indexKey: string, prefix: string): Promise<IndexedNodes | undefined> {
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
    const unfetched: string[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const taskName = reply[i] as string;
      const value = reply[i + 1];
      if (value === null || value === undefined) unfetched.push(taskName);
      else pairs.push(prefix + taskName, value);
    }
    if (unfetched.length === 0) return { pairs, foreign: [] };
    return { pairs, foreign: foreignKeys(prefix, await commands.pruneNodes(indexKey, prefix, unfetched)) };
  }

  async function readScripted(indexKey: string, prefix: string): Promise<IndexedNodes> {
    const [pairs, foreign] = await commands.readTask(indexKey, prefix);
    for (let i = 0; i < pairs.length; i += 2) pairs[i] = prefix + (pairs[i] as string);
    return { pairs, foreign: foreignKeys(prefix, foreign) };
  }

  return async (taskId) => {
    const indexKey = keys.indexKey(taskId);
    const prefix = keys.nodeKeyPrefix(taskId);
    try {
      if (native) {
        const found = await readNative(taskId, indexKey, prefix);
        if (found) return found;
      }
      return await readScripted(indexKey, prefix);
    } catch (error) {
      if (isWrongTypeReply(error) || isCorruptIndexReply(error)) {
        throw new CorruptIndexError(`the index ${indexKey} is not a sorted set: ${error.message}`);
      }
      throw error;
    }
  };
}
