import { defineStoreCommands } from "./commands/index.js";
import { guarded } from "./errors.js";
import { createKeySpace, type KeyLayout } from "./keys.js";
import type { RedisConnection } from "./types.js";

/** A started node the reconciler is due to check. */
export interface ActiveNodeEntry {
  taskId: string;
  taskName: string;
}

/**
 * The nodes that have been started and not yet seen final, so that a reconciler can check each
 * against its job without scanning the keyspace; plus the lease that elects that reconciler.
 */
export interface ActiveNodes {
  /** Records a started node, to be checked at `checkAtMs` (epoch ms) or later. */
  add(taskId: string, taskName: string, checkAtMs: number): Promise<void>;
  /** Up to `limit` entries due at `nowMs`, oldest first. */
  due(nowMs: number, limit: number): Promise<ActiveNodeEntry[]>;
  /** Moves an entry's next check to `checkAtMs`. */
  reschedule(entry: ActiveNodeEntry, checkAtMs: number): Promise<void>;
  /** Forgets an entry (its node is final or gone). */
  remove(entry: ActiveNodeEntry): Promise<void>;
  /** Claims or renews the reconciler lease for `holder`; `true` while it holds it. */
  claimReconcilerLease(holder: string, durationMs: number): Promise<boolean>;
  /** Releases the lease if `holder` has it, so another replica takes over at once. */
  releaseReconcilerLease(holder: string): Promise<void>;
}

const member = (entry: ActiveNodeEntry): string => `${entry.taskId} ${entry.taskName}`;

/**
 * Creates the active-node set over a client or Cluster. Its key is shared by every replica of a
 * deployment: `scope` names the deployment (the gateway uses its queue prefix). Default `bull`.
 */
export function createActiveNodes(options: { redis: RedisConnection; keyLayout?: KeyLayout; scope?: string }): ActiveNodes {
  const { redis } = options;
  const keys = createKeySpace(options.keyLayout ?? "plain");
  const set = keys.activeNodes(options.scope ?? "bull");
  const lease = keys.reconcilerLease(options.scope ?? "bull");
  const commands = defineStoreCommands(redis);
  return {
    async add(taskId, taskName, checkAtMs) {
      keys.nodeKey(taskId, taskName); // validates both
      await guarded(redis.zadd(set, checkAtMs, member({ taskId, taskName })), "write");
    },
    async due(nowMs, limit) {
      const members = await guarded(redis.zrangebyscore(set, "-inf", nowMs, "LIMIT", 0, limit), "read");
      return members.flatMap((text) => {
        const [taskId, taskName] = text.split(" ");
        return taskId && taskName ? [{ taskId, taskName }] : [];
      });
    },
    async reschedule(entry, checkAtMs) {
      await guarded(redis.zadd(set, "XX", checkAtMs, member(entry)), "write");
    },
    async remove(entry) {
      await guarded(redis.zrem(set, member(entry)), "write");
    },
    async claimReconcilerLease(holder, durationMs) {
      return (await guarded(commands.claimLease(lease, holder, durationMs), "write")) === 1;
    },
    async releaseReconcilerLease(holder) {
      await guarded(commands.releaseLease(lease, holder), "write");
    },
  };
}
