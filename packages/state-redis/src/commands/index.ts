import type { Cluster, Redis } from "ioredis";
import deleteTask from "./deleteTask-1.lua";
import listNodes from "./listNodes-2.lua";
import publishNodes from "./publishNodes-2.lua";
import withdrawNodes from "./withdrawNodes-1.lua";
import readTask from "./readTask-1.lua";
import writeNode from "./writeNode-2.lua";

/** Prefix of the error the scripts raise when a task's index key holds another type. */
export const CORRUPT_INDEX = "CORRUPT_INDEX";

/** The store's atomic operations, each one Lua script named after the number of keys it takes. */
export interface StoreCommands {
  writeNode(
    nodeKey: string,
    indexKey: string,
    encoded: string,
    ttlSeconds: number,
    taskName: string,
    status: string,
    newAttempt: boolean,
    statusFromJson: boolean,
  ): Promise<[0 | 1, string?]>;
  /** `[key, value, key, value, …]` of the indexed nodes that exist. */
  readTask(indexKey: string): Promise<string[]>;
  /** `[node keys removed, 1 when the index key was of another type]`. */
  deleteTask(indexKey: string): Promise<[number, 0 | 1]>;
  publishNodes(heartbeats: string, nodes: string, nowMs: number, expiresMs: number, workerId: string, pairs: string[]): Promise<number>;
  /** `[task_name, worker_id, description, …]` of the live registrations. */
  listNodes(heartbeats: string, nodes: string, nowMs: number): Promise<string[]>;
  withdrawNodes(heartbeats: string, workerId: string, names: string[]): Promise<number>;
}

const SCRIPTS = {
  wfWriteNode: { numberOfKeys: 2, lua: writeNode },
  wfReadTask: { numberOfKeys: 1, lua: readTask },
  wfDeleteTask: { numberOfKeys: 1, lua: deleteTask },
  wfPublishNodes: { numberOfKeys: 2, lua: publishNodes },
  wfListNodes: { numberOfKeys: 2, lua: listNodes },
  wfWithdrawNodes: { numberOfKeys: 1, lua: withdrawNodes },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Registers the scripts on a client with ioredis `defineCommand` (EVALSHA, falling back to EVAL
 * once per connection) and returns typed wrappers. Registering twice on one client is harmless.
 */
export function defineStoreCommands(redis: Redis | Cluster): StoreCommands {
  for (const [name, definition] of Object.entries(SCRIPTS)) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== "function") {
      redis.defineCommand(name, definition);
    }
  }
  const call = (name: ScriptName, ...args: (string | number)[]): Promise<unknown> =>
    ((redis as unknown as Record<ScriptName, ScriptCall>)[name]).call(redis, ...args);
  return {
    writeNode: (nodeKey, indexKey, encoded, ttl, taskName, status, newAttempt, statusFromJson) =>
      call(
        "wfWriteNode",
        nodeKey,
        indexKey,
        encoded,
        ttl,
        taskName,
        status,
        newAttempt ? "1" : "0",
        statusFromJson ? "1" : "0",
      ) as Promise<[0 | 1, string?]>,
    readTask: (indexKey) => call("wfReadTask", indexKey) as Promise<string[]>,
    deleteTask: (indexKey) => call("wfDeleteTask", indexKey) as Promise<[number, 0 | 1]>,
    publishNodes: async (heartbeats, nodes, nowMs, expiresMs, workerId, pairs) =>
      (await call("wfPublishNodes", heartbeats, nodes, nowMs, expiresMs, workerId, ...pairs)) as number,
    listNodes: async (heartbeats, nodes, nowMs) => (await call("wfListNodes", heartbeats, nodes, nowMs)) as string[],
    withdrawNodes: async (heartbeats, workerId, names) =>
      (await call("wfWithdrawNodes", heartbeats, workerId, ...names)) as number,
  };
}
