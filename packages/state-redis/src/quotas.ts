import { defineStoreCommands } from "./commands/index.js";
import { guarded } from "./errors.js";
import { createKeySpace, type KeyLayout } from "./keys.js";
import type { RedisConnection } from "./types.js";

/** Per-team limits counted in Redis, so that every gateway replica shares them. */
export interface TeamQuotas {
  /**
   * Counts a request of `team` in the current second; `{ allowed: false, retryAfterSeconds }`
   * once it is over `perSecond`.
   */
  countRequest(team: string, perSecond: number, nowMs?: number): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  /**
   * Reserves a place for a node the team starts, unless it already has `max` pending or running
   * nodes; `false` then. Nodes that have finished (or whose task is gone) stop counting. Two
   * replicas racing for the last place may both get it: the limit holds within a node or two.
   */
  reserveActiveNode(team: string, taskId: string, taskName: string, max: number): Promise<boolean>;
}

const ACTIVE = new Set([0, 1]); // PENDING, IN_PROGRESS in the task index

/** Creates the quotas of a deployment (`scope`: its queue prefix, as for `createActiveNodes`). */
export function createTeamQuotas(options: { redis: RedisConnection; keyLayout?: KeyLayout; scope?: string }): TeamQuotas {
  const { redis } = options;
  const keys = createKeySpace(options.keyLayout ?? "plain");
  const scope = options.scope ?? "bull";
  const commands = defineStoreCommands(redis);

  async function prune(setKey: string): Promise<number> {
    const members = await redis.zrange(setKey, "0", "-1");
    const scores = await Promise.all(
      members.map(async (member) => {
        const [taskId, taskName] = member.split(" ");
        return taskId && taskName ? redis.zscore(keys.indexKey(taskId), taskName) : null;
      }),
    );
    const finished = members.filter((_member, i) => !ACTIVE.has(Number(scores[i] ?? NaN)));
    if (finished.length > 0) await redis.zrem(setKey, ...finished);
    return members.length - finished.length;
  }

  return {
    async countRequest(team, perSecond, nowMs = Date.now()) {
      const second = Math.floor(nowMs / 1000);
      const count = await guarded(commands.countRequest(keys.rateWindow(scope, team, second)), "write");
      return { allowed: count <= perSecond, retryAfterSeconds: 1 };
    },
    async reserveActiveNode(team, taskId, taskName, max) {
      const setKey = keys.teamActiveNodes(scope, team);
      const member = `${taskId} ${taskName}`;
      let count = await guarded(redis.zcard(setKey), "read");
      if (count >= max) count = await guarded(prune(setKey), "read");
      if (count >= max) return false;
      await guarded(redis.zadd(setKey, Date.now(), member), "write");
      // Kept a day past the last start, as the tasks it counts.
      await guarded(redis.expire(setKey, 90_000), "write");
      return true;
    },
  };
}
