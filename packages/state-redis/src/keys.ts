import { TASK_NAME_PATTERN, assertTaskId, parseTaskName } from "@wf/context";
import { StoreConfigError } from "./errors.js";

/**
 * How keys are laid out.
 * - `plain`: `task-1:node:ffmpeg.extract_audio`, the seed plan's format, readable by the original
 *   Python service.
 * - `hash-tag`: `{task-1}:node:ffmpeg.extract_audio` (braces literal), so that every key of a task
 *   hashes to one Redis Cluster slot and multi-key scripts never raise `CROSSSLOT`.
 */
export type KeyLayout = "plain" | "hash-tag";

/** Every Redis key (and key pattern) the store uses. Nothing else in wf builds these strings. */
export interface KeySpace {
  readonly layout: KeyLayout;
  /** The key holding one node's view: `{task_id}:node:{task_name}`. */
  nodeKey(taskId: string, taskName: string): string;
  /** The prefix of a task's node keys, `{task_id}:node:`: the index lists task names after it. */
  nodeKeyPrefix(taskId: string): string;
  /**
   * A task's index, kept atomically with every node write: `{task_id}:nodes`, a sorted set of
   * the task's node names scored by their stage status.
   */
  indexKey(taskId: string): string;
  /** The team a task belongs to, `{task_id}:owner`, written with its first node and expiring with its index. */
  ownerKey(taskId: string): string;
  /**
   * A task's event stream, `{task_id}:events`: created when the task is first followed
   * (`openTaskEvents`), then one entry per node write, appended atomically with it, capped in
   * length and expiring with the task's index.
   */
  eventsKey(taskId: string): string;
  /**
   * The nodes of a task that run in a pipeline, `{task_id}:pipeline`: a hash of task name ->
   * `"<job id> <dependency> …"` for each node submitted with dependencies or in a multi-node
   * request. With the index it decides, in one script, which waiting nodes are ready or doomed
   * (`pipelineStep-2.lua`). Written atomically with those nodes, expiring with the task's index,
   * deleted with the task.
   */
  pipelineKey(taskId: string): string;
  /**
   * The task listing, newest first: a sorted set of task ids scored by creation time (ms), one
   * for all tasks (`team` undefined) and one per owning team. Bounded and trimmed of tasks older
   * than the TTL on every task creation.
   */
  taskListing(team?: string): string;
  /** The `SORT ... GET` pattern of a task's node keys: `{task_id}:node:*` (not a glob). */
  nodeKeyPattern(taskId: string): string;
  /** A `SCAN MATCH` pattern for the task's node keys, glob characters escaped. */
  nodeScanPattern(taskId: string): string;
  /**
   * The key the shipped Python state manager writes for a node: `{task_id}:{service}:{function}`
   * (`task-1:ffmpeg:extract_audio`), never hash-tagged. Read and deleted in the legacy-keys mode.
   */
  legacyNodeKey(taskId: string, taskName: string): string;
  /** A `SCAN MATCH` pattern for a task's legacy node keys: `{task_id}:*:*`, glob characters escaped. */
  legacyScanPattern(taskId: string): string;
  /**
   * The task name a key found by `legacyScanPattern` holds, or `null` when it is not a
   * legacy node key of that task (e.g. wf's own `task-1:node:ffmpeg.extract_audio`).
   */
  legacyTaskName(taskId: string, key: string): string | null;
  /** Sorted set of live registrations, `<task_name> <worker_id>` scored by expiry (ms). */
  readonly registryHeartbeats: string;
  /** Hash of registered nodes: task name -> JSON description (input schema, …). */
  readonly registryNodes: string;
  /**
   * Sorted set of the nodes started (`<task_id> <task_name>`) scored by when the reconciler should
   * next check them (ms); entries leave once their node is final or gone. One per `scope` (the
   * deployment's queue prefix), so a reconciler only checks the nodes of its own queues.
   */
  activeNodes(scope: string): string;
  /**
   * The remembered answer of a request sent with an `Idempotency-Key` (`hash`: of the key and
   * its scope), kept a day: `wf:idempotency:<hash>`.
   */
  idempotencyKey(hash: string): string;
  /** A team's request counter for one second (`unixSecond`) of its rate limit. */
  rateWindow(scope: string, team: string, unixSecond: number): string;
  /** Sorted set of a team's started nodes (`<task_id> <task_name>`), for its active-node quota. */
  teamActiveNodes(scope: string, team: string): string;
  /** The lease that elects the one reconciler of a deployment (`scope` as for `activeNodes`). */
  reconcilerLease(scope: string): string;
  /** The key health checks write (and let expire) to learn whether Redis accepts writes: `wf:health:probe`. */
  readonly healthProbeKey: string;
  /**
   * The keys of one shared resource instance (`<scope>/<name>`, e.g. `gpu-host-1/gpu:0`): its
   * holders, their details, the waiters' queue, their liveness and the arrival counter, all in
   * one Cluster slot; and the channel that announces a freed slot.
   */
  resourceKeys(instance: string): { holders: string; info: string; queue: string; waiters: string; sequence: string; channel: string };
  /** Hash of the resource instances workers declare: instance -> JSON `{slots, kind, updated_at}`. */
  readonly resourceInstances: string;
  /** Hash of per-instance counters (`<instance> acquired`, `… timeouts`, `… held_ms`, `… lost`). */
  readonly resourceStats: string;
  /** Pub/sub channel on which cancellations of running nodes are announced to workers. */
  readonly cancelChannel: string;
  /**
   * BullMQ key prefix of the node and callback queues: `bull` (BullMQ's default), or `{bull}` in
   * the hash-tag layout so that each queue's keys stay in one Cluster slot.
   */
  readonly queuePrefix: string;
}

/** What a resource instance name may contain (`<scope>/<name>`, e.g. `gpu-host-1/gpu:0`). */
export const RESOURCE_INSTANCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

const GLOB_SPECIAL = /[*?[\]\\]/g;

/** Escapes the characters that `SCAN MATCH` treats as a glob (`* ? [ ] \`). */
export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, (char) => `\\${char}`);
}

/**
 * Builds the key space of a layout. Task ids and names are validated here, so a key can only be
 * built from a safe id (see `TASK_ID_PATTERN`): no id can produce another task's key or prefix.
 */
export function createKeySpace(layout: KeyLayout): KeySpace {
  const taskPart = (taskId: string): string => {
    assertTaskId(taskId);
    return layout === "hash-tag" ? `{${taskId}}` : taskId;
  };
  // The scripts build node keys the same way: this prefix followed by a task name from the index.
  const nodeKeyPrefix = (taskId: string): string => `${taskPart(taskId)}:node:`;
  // Task ids cannot contain ":", so no task's keys can take these names.
  const shared = layout === "hash-tag" ? "{wf}" : "wf";
  return {
    layout,
    registryHeartbeats: `${shared}:registry:heartbeats`,
    registryNodes: `${shared}:registry:nodes`,
    cancelChannel: `${shared}:cancel`,
    resourceInstances: `${shared}:resources`,
    resourceStats: `${shared}:resource-stats`,
    resourceKeys(instance) {
      if (!RESOURCE_INSTANCE_PATTERN.test(instance)) throw new StoreConfigError(`invalid resource instance ${JSON.stringify(instance)}: 1-200 of A-Z a-z 0-9 . _ : / -`);
      const base = layout === "hash-tag" ? `{wf:resource:${instance}}` : `wf:resource:${instance}`;
      return { holders: `${base}:holders`, info: `${base}:info`, queue: `${base}:queue`, waiters: `${base}:waiters`, sequence: `${base}:seq`, channel: `wf:resource:${instance}:freed` };
    },
    activeNodes: (scope) => `${shared}:active-nodes:${scope}`,
    reconcilerLease: (scope) => `${shared}:reconciler:${scope}`,
    healthProbeKey: `${shared}:health:probe`,
    idempotencyKey: (hash) => `${shared}:idempotency:${hash}`,
    rateWindow: (scope, team, unixSecond) => `${shared}:rate:${scope}:${assertTaskId(team)}:${unixSecond}`,
    teamActiveNodes: (scope, team) => `${shared}:team-active:${scope}:${assertTaskId(team)}`,
    queuePrefix: layout === "hash-tag" ? "{bull}" : "bull",
    nodeKey(taskId, taskName) {
      parseTaskName(taskName);
      return `${nodeKeyPrefix(taskId)}${taskName}`;
    },
    nodeKeyPrefix,
    indexKey(taskId) {
      return `${taskPart(taskId)}:nodes`;
    },
    ownerKey(taskId) {
      return `${taskPart(taskId)}:owner`;
    },
    eventsKey(taskId) {
      return `${taskPart(taskId)}:events`;
    },
    pipelineKey(taskId) {
      return `${taskPart(taskId)}:pipeline`;
    },
    taskListing: (team) => (team === undefined ? `${shared}:tasks` : `${shared}:tasks:team:${assertTaskId(team)}`),
    nodeKeyPattern(taskId) {
      return `${nodeKeyPrefix(taskId)}*`;
    },
    nodeScanPattern(taskId) {
      return `${escapeGlob(taskPart(taskId))}:node:*`;
    },
    legacyNodeKey(taskId, taskName) {
      assertTaskId(taskId);
      const { service, fn } = parseTaskName(taskName);
      return `${taskId}:${service}:${fn}`;
    },
    legacyScanPattern(taskId) {
      assertTaskId(taskId);
      return `${escapeGlob(taskId)}:*:*`;
    },
    legacyTaskName(taskId, key) {
      if (!key.startsWith(`${taskId}:`)) return null;
      const [service, fn, ...rest] = key.slice(taskId.length + 1).split(":");
      if (rest.length > 0 || service === undefined || fn === undefined) return null;
      const taskName = `${service}.${fn}`;
      return TASK_NAME_PATTERN.test(taskName) ? taskName : null;
    },
  };
}
