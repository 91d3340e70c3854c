import type { StageStatus } from "@wf/context";
import type { Cluster, Redis } from "ioredis";
import deleteTask from "./deleteTask-4.lua";
import listNodes from "./listNodes-2.lua";
import pruneNodes from "./pruneNodes-1.lua";
import publishNodes from "./publishNodes-2.lua";
import readTask from "./readTask-1.lua";
import withdrawNodes from "./withdrawNodes-1.lua";
import writeNode from "./writeNode.lua";
import claimLease from "./claimLease-1.lua";
import releaseLease from "./releaseLease-1.lua";
import countRequest from "./countRequest-1.lua";
import openEvents from "./openEvents-2.lua";
import pipelineStep from "./pipelineStep-2.lua";
import acquireResource from "./acquireResource-5.lua";
import renewResource from "./renewResource-1.lua";
import releaseResource from "./releaseResource-4.lua";

/** Prefix of the error the scripts raise when a task's index key holds another type. */
export const CORRUPT_INDEX = "CORRUPT_INDEX";

/**
 * How a node write checks the status rule: against the status in the task's index (the usual
 * case), not at all (`new-attempt`), or against the status in the stored node's JSON
 * (`status-json`: keys that writers without an index may also write).
 */
export type WriteCheck = "index" | "new-attempt" | "status-json";

/**
 * The score of a node in its task's index: its stage status as a number, so that the write
 * script compares statuses without mapping tables. The order is the status rule's.
 */
export const STATUS_CODES: Readonly<Record<StageStatus | "none", number>> = {
  none: -1,
  PENDING: 0,
  IN_PROGRESS: 1,
  SUCCESS: 2,
  FAILED: 3,
  CANCELLED: 4,
};

/** What `writeNode` answers when it wrote; {@link SUPERSEDED}, or else the stored status code that refused the write. */
export const WRITTEN = -1;

/** What `writeNode` answers when the write's attempt token is not the stored node's (or the node is gone). */
export const SUPERSEDED = -2;

/** What `writeNode` answers when the task belongs to another owner than the write's. */
export const NOT_OWNER = -3;

const STATUS_OF_CODE = new Map<number, StageStatus>(
  Object.entries(STATUS_CODES).flatMap(([status, code]) => (status === "none" ? [] : [[code, status as StageStatus]])),
);

/** The status a code of the index stands for. */
export function statusOfCode(code: number): StageStatus {
  const status = STATUS_OF_CODE.get(code);
  if (!status) throw new Error(`unknown status code ${code} in a task index`);
  return status;
}

/** One node write, as `writeNode.lua` takes it. */
export interface NodeWrite {
  nodeKey: string;
  indexKey: string;
  ownerKey: string;
  eventsKey: string;
  encoded: string;
  ttlSeconds: string;
  taskName: string;
  status: StageStatus | undefined;
  /** The event appended to the task's stream (JSON). */
  event: string;
  check: WriteCheck;
  attempt?: string | undefined;
  /** With `attempt`: the run of the attempt the write belongs to, and whether it is that run's claim (see `WriteOptions.run`). */
  run?: { id: string; claim: boolean } | undefined;
  owner?: string | undefined;
  /** Listings to add the task to in the same script (only where they share a server with the task). */
  listing?: { keys: string[]; taskId: string; nowMs: number; maxEntries: number } | undefined;
}

/**
 * The store's atomic operations, each one Lua script named after the number of keys it takes
 * (`writeNode.lua` takes four or more).
 */
export interface StoreCommands {
  writeNode(write: NodeWrite): Promise<number>;
  /**
   * Several node writes in one `MULTI` (all keys in one task's slot): they run together, nothing
   * runs between them. With `pipeline`, its names join the task's pipeline set in the same step.
   * One reply per write, as `writeNode` answers.
   */
  writeNodesAtomically(writes: readonly NodeWrite[], pipeline?: { key: string; entries: readonly [string, string][]; keepSeconds: number }): Promise<number[]>;
  /** See `pipelineStep-2.lua`: null when the task has no pipeline. */
  pipelineStep(pipelineKey: string, indexKey: string, ownName?: string): Promise<[0 | 1, number, [string, string, string, string][]] | null>;
  /**
   * `[[task name, value, …], [task name, type, …]]`: the indexed nodes that exist, and those whose
   * key holds another type. Members whose key expired are removed from the index.
   */
  readTask(indexKey: string, nodeKeyPrefix: string): Promise<[string[], string[]]>;
  /**
   * Settles members a read could not fetch: removes those whose key expired, and returns
   * `[task name, type, …]` of those whose key holds another type.
   */
  pruneNodes(indexKey: string, nodeKeyPrefix: string, taskNames: readonly string[]): Promise<string[]>;
  /**
   * Creates the task's event stream unless it exists (writes append to it only then); the id of
   * its newest entry, or null when the task does not exist.
   */
  openEvents(indexKey: string, eventsKey: string): Promise<string | null>;
  /** `[node keys removed, 1 when the index key was of another type]`. */
  /** `attempt`: [node name, job id] that node must still be pending in, or nothing is deleted (`[-1, 0]`). */
  deleteTask(indexKey: string, ownerKey: string, eventsKey: string, pipelineKey: string, nodeKeyPrefix: string, ...attempt: [] | [string, string]): Promise<[number, 0 | 1]>;
  publishNodes(heartbeats: string, nodes: string, nowMs: number, expiresMs: number, workerId: string, pairs: string[]): Promise<number>;
  /** `[task_name, worker_id, description, …]` of the live registrations. */
  listNodes(heartbeats: string, nodes: string, nowMs: number): Promise<string[]>;
  withdrawNodes(heartbeats: string, workerId: string, names: string[]): Promise<number>;
  /** 1 when `holder` holds the lease afterwards. */
  claimLease(leaseKey: string, holder: string, durationMs: number): Promise<number>;
  /** 1 when `holder` held the lease and released it. */
  releaseLease(leaseKey: string, holder: string): Promise<number>;
  /** The number of requests counted in a rate window, this one included. */
  countRequest(windowKey: string): Promise<number>;
  /** See `acquireResource-5.lua`: `[1, position, now]` or `[0, position, now, earliest expiry]`. */
  acquireResource(keys: readonly [string, string, string, string, string], token: string, slots: number, leaseMs: number, waiterTtlMs: number, info: string): Promise<number[]>;
  /** 1 when the token's lease was live and is renewed. */
  renewResource(holdersKey: string, token: string, leaseMs: number): Promise<number>;
  /** 1 when the token held a slot (now freed); a waiter's place is dropped too. */
  releaseResource(keys: readonly [string, string, string, string], token: string, channel: string): Promise<number>;
}

/** `writeNode.lua`'s keys and arguments; kept few, as each one costs on both sides of every write. */
function writeNodeArguments(write: NodeWrite): (string | number)[] {
  const listingKeys = write.listing?.keys ?? [];
  const keys = [write.nodeKey, write.indexKey, write.ownerKey, write.eventsKey, ...listingKeys];
  const args = [keys.length, ...keys, write.encoded, write.ttlSeconds, write.taskName, STATUS_CODES[write.status ?? "none"], write.event];
  if (write.listing) {
    const { taskId, nowMs, maxEntries } = write.listing;
    return [...args, write.check, write.attempt ?? "", write.owner ?? "", taskId, nowMs, maxEntries, ...(write.run ? [write.run.id, write.run.claim ? "claim" : ""] : [])];
  }
  if (write.run) return [...args, write.check, write.attempt ?? "", write.owner ?? "", "", "", "", write.run.id, write.run.claim ? "claim" : ""];
  if (write.owner) return [...args, write.check, write.attempt ?? "", write.owner];
  if (write.attempt) return [...args, write.check, write.attempt];
  // The usual check is the script's default, so it costs no argument.
  return write.check === "index" ? args : [...args, write.check];
}

const SCRIPTS = {
  wfWriteNode: { lua: writeNode },
  wfReadTask: { numberOfKeys: 1, lua: readTask },
  wfPruneNodes: { numberOfKeys: 1, lua: pruneNodes },
  wfDeleteTask: { numberOfKeys: 4, lua: deleteTask },
  wfOpenEvents: { numberOfKeys: 2, lua: openEvents },
  wfPipelineStep: { numberOfKeys: 2, lua: pipelineStep },
  wfPublishNodes: { numberOfKeys: 2, lua: publishNodes },
  wfListNodes: { numberOfKeys: 2, lua: listNodes },
  wfWithdrawNodes: { numberOfKeys: 1, lua: withdrawNodes },
  wfClaimLease: { numberOfKeys: 1, lua: claimLease },
  wfReleaseLease: { numberOfKeys: 1, lua: releaseLease },
  wfCountRequest: { numberOfKeys: 1, lua: countRequest },
  wfAcquireResource: { numberOfKeys: 5, lua: acquireResource },
  wfRenewResource: { numberOfKeys: 1, lua: renewResource },
  wfReleaseResource: { numberOfKeys: 4, lua: releaseResource },
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
    writeNode: (write) => call("wfWriteNode", ...writeNodeArguments(write)) as Promise<number>,
    async writeNodesAtomically(writes, pipeline) {
      const transaction = redis.multi() as unknown as Record<ScriptName, (...args: (string | number)[]) => unknown> & ReturnType<Redis["multi"]>;
      for (const write of writes) transaction.wfWriteNode(...writeNodeArguments(write));
      if (pipeline && pipeline.entries.length > 0) transaction.hset(pipeline.key, ...pipeline.entries.flat()).expire(pipeline.key, pipeline.keepSeconds);
      const replies = (await transaction.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
      return replies.slice(0, writes.length).map(([, reply]) => reply as number);
    },
    pipelineStep: (pipelineKey, indexKey, ownName) =>
      call("wfPipelineStep", pipelineKey, indexKey, ...(ownName ? [ownName] : [])) as Promise<[0 | 1, number, [string, string, string, string][]] | null>,
    readTask: (indexKey, prefix) => call("wfReadTask", indexKey, prefix) as Promise<[string[], string[]]>,
    pruneNodes: (indexKey, prefix, taskNames) => call("wfPruneNodes", indexKey, prefix, ...taskNames) as Promise<string[]>,
    openEvents: (indexKey, eventsKey) => call("wfOpenEvents", indexKey, eventsKey) as Promise<string | null>,
    deleteTask: (indexKey, ownerKey, eventsKey, pipelineKey, prefix, ...attempt) => call("wfDeleteTask", indexKey, ownerKey, eventsKey, pipelineKey, prefix, ...attempt) as Promise<[number, 0 | 1]>,
    publishNodes: async (heartbeats, nodes, nowMs, expiresMs, workerId, pairs) =>
      (await call("wfPublishNodes", heartbeats, nodes, nowMs, expiresMs, workerId, ...pairs)) as number,
    listNodes: async (heartbeats, nodes, nowMs) => (await call("wfListNodes", heartbeats, nodes, nowMs)) as string[],
    withdrawNodes: async (heartbeats, workerId, names) =>
      (await call("wfWithdrawNodes", heartbeats, workerId, ...names)) as number,
    claimLease: async (leaseKey, holder, durationMs) => (await call("wfClaimLease", leaseKey, holder, durationMs)) as number,
    releaseLease: async (leaseKey, holder) => (await call("wfReleaseLease", leaseKey, holder)) as number,
    countRequest: async (windowKey) => (await call("wfCountRequest", windowKey)) as number,
    acquireResource: async (keys, token, slots, leaseMs, waiterTtlMs, info) => (await call("wfAcquireResource", ...keys, token, slots, leaseMs, waiterTtlMs, info)) as number[],
    renewResource: async (holdersKey, token, leaseMs) => (await call("wfRenewResource", holdersKey, token, leaseMs)) as number,
    releaseResource: async (keys, token, channel) => (await call("wfReleaseResource", ...keys, token, channel)) as number,
  };
}
