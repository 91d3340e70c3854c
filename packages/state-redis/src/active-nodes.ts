import { defineStoreCommands } from "./commands/index.js";
import { guarded } from "./errors.js";
import { createKeySpace, type KeyLayout } from "./keys.js";
import type { RedisConnection } from "./types.js";
import { createWriteCoalescer } from "./write-coalescing.js";

/** A started node the reconciler is due to check. */
export interface ActiveNodeEntry {
  /** The node's task. */
  taskId: string;
  /** The node (`<service>.<function>`). */
  taskName: string;
  /**
   * The attempt (job id) the entry watches, when it was recorded with one: the worker that ends
   * that attempt forgets exactly its entry, never the one of an attempt that replaced it.
   */
  attempt?: string;
}

/**
 * The nodes that have been started and not yet seen final, so that a reconciler can check each
 * against its job without scanning the keyspace; plus the lease that elects that reconciler.
 */
export interface ActiveNodes {
  /**
   * Records a started node, to be checked at `checkAtMs` (epoch ms) or later; with `attempt`
   * (the job id), the entry is that attempt's (see {@link ActiveNodeEntry.attempt}).
   */
  add(taskId: string, taskName: string, checkAtMs: number, attempt?: string): Promise<void>;
  /** Up to `limit` entries due at `nowMs`, oldest first. */
  due(nowMs: number, limit: number): Promise<ActiveNodeEntry[]>;
  /** Moves an entry's next check to `checkAtMs`. */
  reschedule(entry: ActiveNodeEntry, checkAtMs: number): Promise<void>;
  /**
   * Forgets entries, in one command: their nodes are final or gone, or their attempts have ended
   * (a worker forgets the entry of the attempt it just finished, so the reconciler only ever
   * reads nodes whose worker did not report back).
   */
  remove(...entries: ActiveNodeEntry[]): Promise<void>;
  /** Claims or renews the reconciler lease for `holder`; `true` while it holds it. */
  claimReconcilerLease(holder: string, durationMs: number): Promise<boolean>;
  /** Releases the lease if `holder` has it, so another replica takes over at once. */
  releaseReconcilerLease(holder: string): Promise<void>;
}

// Task ids and node names hold no spaces (the key space validates them); an attempt is the rest.
const member = (entry: ActiveNodeEntry): string =>
  entry.attempt ? `${entry.taskId} ${entry.taskName} ${entry.attempt}` : `${entry.taskId} ${entry.taskName}`;

/** The entry a member stands for; entries recorded without an attempt have two parts. */
function entryOf(text: string): ActiveNodeEntry[] {
  const [taskId, taskName, ...rest] = text.split(" ");
  if (!taskId || !taskName) return [];
  const attempt = rest.join(" ");
  return [attempt ? { taskId, taskName, attempt } : { taskId, taskName }];
}

/** Options of {@link createActiveNodes}. */
export interface ActiveNodesOptions {
  redis: RedisConnection;
  keyLayout?: KeyLayout;
  /** Names the deployment whose replicas share the set (the gateway uses its queue prefix). Default `bull`. */
  scope?: string;
  /**
   * Send the commands that concurrent calls issue in one event-loop iteration in one socket
   * write, as the state store does (`StateStoreOptions.coalesceWrites`); an entry added just
   * before a store write on the same connection then leaves with it. Default `true`.
   */
  coalesceWrites?: boolean;
}

/**
 * Creates the active-node set over a client or Cluster. Its key is shared by every replica of a
 * deployment: `scope` names the deployment (the gateway uses its queue prefix). Default `bull`.
 */
export function createActiveNodes(options: ActiveNodesOptions): ActiveNodes {
  const { redis } = options;
  const coalesce = createWriteCoalescer(redis, options.coalesceWrites ?? true);
  const keys = createKeySpace(options.keyLayout ?? "plain");
  const set = keys.activeNodes(options.scope ?? "bull");
  const lease = keys.reconcilerLease(options.scope ?? "bull");
  const commands = defineStoreCommands(redis);
  return {
    async add(taskId, taskName, checkAtMs, attempt) {
      keys.nodeKey(taskId, taskName); // validates both
      coalesce();
      await guarded(redis.zadd(set, checkAtMs, member(attempt ? { taskId, taskName, attempt } : { taskId, taskName })), "write");
    },
    async due(nowMs, limit) {
      coalesce();
      const members = await guarded(redis.zrangebyscore(set, "-inf", nowMs, "LIMIT", 0, limit), "read");
      return members.flatMap(entryOf);
    },
    async reschedule(entry, checkAtMs) {
      coalesce();
      await guarded(redis.zadd(set, "XX", checkAtMs, member(entry)), "write");
    },
    async remove(...entries) {
      if (entries.length === 0) return;
      coalesce();
      await guarded(redis.zrem(set, ...entries.map(member)), "write");
    },
    async claimReconcilerLease(holder, durationMs) {
      return (await guarded(commands.claimLease(lease, holder, durationMs), "write")) === 1;
    },
    async releaseReconcilerLease(holder) {
      await guarded(commands.releaseLease(lease, holder), "write");
    },
  };
}
