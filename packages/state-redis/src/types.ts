import type { PipelineStep, StageStatus, WorkflowContext, WorkflowContextInput } from "@wf/context";
import type { Cluster, Redis } from "ioredis";
import type { StoredTaskEvent } from "./events.js";
import type { KeyLayout, KeySpace } from "./keys.js";
import type { TaskPage } from "./listing.js";

/** A connection the store accepts: an ioredis client or an ioredis Cluster (legacy reply mapping). */
export type RedisConnection = Redis | Cluster;

/**
 * How reads find a task's node keys.
 * - `index` (default): through the per-task index the store writes atomically with every node;
 *   one round trip whatever the size of the database.
 * - `scan`: `SCAN MATCH {task_id}:node:*`, for keys written by writers that keep no index (the
 *   original Python service). Cost grows with the keyspace: a compatibility mode only.
 */
export type ReadStrategy = "index" | "scan";

/** A node value that could not be read; it is skipped and the rest of the task still reads. */
export interface CorruptNodeEvent {
  taskId: string;
  key: string;
  reason: string;
}

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  warn(object: object, message: string): void;
}

/** Options of `createStateStore`. */
export interface StateStoreOptions {
  /** An ioredis client or Cluster; the store never closes it. */
  redis: RedisConnection;
  /** TTL of every node key, refreshed on every write. Default 86400 (1 day). */
  ttlSeconds?: number;
  /** Default `plain`; a Redis Cluster needs `hash-tag`. */
  keyLayout?: KeyLayout;
  /** Default `index`. */
  readStrategy?: ReadStrategy;
  /** `SCAN COUNT` of the scan read strategy. Default 1000. */
  scanCount?: number;
  logger?: StoreLogger;
  /** Called for every node value skipped because it is not valid JSON or not a WorkflowContext. */
  onCorruptNode?: (event: CorruptNodeEvent) => void;
  /**
   * Also read, aggregate and delete the keys the shipped Python state manager writes,
   * `{task_id}:{service}:{function}` (`task-1:ffmpeg:extract_audio`), for a migration that runs
   * both side by side. Those keys have no index: each read and delete adds a `SCAN MATCH
   * {task_id}:*:*` over the keyspace (every master of a Cluster), so leave it off (the default)
   * once no Python writer remains. wf itself always writes its own layout.
   */
  legacyKeys?: boolean;
  /**
   * Send the commands that concurrent store calls issue in one event-loop iteration in one socket
   * write: the connection's sockets (one per node on a Cluster) are corked until `setImmediate`.
   * Default `true`. Measured: writes about 1.3x and the gateway's status route 1.3x faster.
   */
  coalesceWrites?: boolean;
  /** Bound of each task listing (all tasks, and each team's): the newest are kept. Default 100,000. */
  listingMaxEntries?: number;
}

/** Options of `StateStore.listTasks`. */
export interface ListTasksOptions {
  /** List only this team's tasks; all tasks when undefined. */
  team?: string | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
  limit: number;
}

/** Options of {@link StateStore.deleteWorkflowState}. */
export interface DeleteOptions {
  /** Delete only while this node is still `PENDING` in this attempt (its `job_id`): nothing ran it. */
  ifPending?: { taskName: string; jobId: string };
}

/** Options of a single write. */
export interface WriteOptions {
  /**
   * The write starts a new attempt of the node (retry, re-run) and replaces whatever is stored,
   * bypassing the monotonic status rule. `createWorkflowState` always does.
   */
  newAttempt?: boolean;
  /**
   * The attempt this write belongs to: the `job_id` of the node's stage when its attempt was
   * started. The write is refused (`SUPERSEDED`) unless the stored node still exists and names
   * that attempt, so a worker's late write never recreates a deleted task nor overwrites a newer
   * attempt of the node. Writes without it (the gateway's) are not checked.
   */
  attempt?: string;
  /**
   * With `attempt`: the run of that attempt the write belongs to, `<take>.<random>` where
   * `<take>` grows each time a worker takes the node's job (BullMQ's `attemptsStarted`). The
   * stage must carry it as `run_id` (the caller writes it there). A write of another run than the
   * stored one is refused (`SUPERSEDED`), so a worker that lost its job (cut off from Redis longer
   * than the job's lock) cannot write over the worker that took the job over. `claim: true` marks
   * a run's first write, which takes the node over from a run of an earlier take.
   */
  run?: { id: string; claim: boolean };
  /**
   * The team the write acts for. The first write of a task records it as the task's owner,
   * atomically with the node; a write for another team is refused (`NOT_OWNER`) and changes
   * nothing. Writes without it are not checked.
   */
  owner?: string;
}

/** Options of `StateStore.createWorkflowStates`. */
export interface WriteManyOptions {
  /** As {@link WriteOptions.owner}, for every node. */
  owner?: string | undefined;
  /**
   * Record the nodes in the task's pipeline (`KeySpace.pipelineKey`: each stage's `job_id` and
   * `depends_on`) in the same atomic step, so that `pipelineStep` sees them.
   */
  pipeline?: boolean;
}

/** Outcome of a write. A refused write changed nothing in Redis. */
export type WriteResult =
  | { written: true; key: string }
  | {
      written: false;
      key: string;
      /**
       * `SUPERSEDED`: the node is gone (deleted or expired) or belongs to another attempt than
       * the write's. `NOT_OWNER`: the task belongs to another team than the write's.
       */
      reason: "SUPERSEDED" | "NOT_OWNER";
    }
  | {
      written: false;
      key: string;
      /** Always `STALE_STATUS`: the stored status is ahead of (or final compared to) this one. */
      reason: "STALE_STATUS";
      storedStatus: StageStatus;
    };

/** Per-node workflow state on Redis. See the package README for the key format and the rules. */
export interface StateStore {
  /** The key space in use: every key the store reads or writes is built there. */
  readonly keys: KeySpace;
  /** `{task_id}:node:{task_name}` in the configured layout. */
  nodeKey(taskId: string, taskName: string): string;
  /** Writes a node's view as a new attempt of that node (replaces what is stored). */
  createWorkflowState(context: WorkflowContextInput, options?: WriteOptions): Promise<WriteResult>;
  /**
   * Writes several node views of one task, each as a new attempt, in one atomic step (`MULTI`):
   * no reader sees some of them without the others. One result per view, in order; they differ
   * only if the task belongs to another team (all `NOT_OWNER`). Throws `StoreConfigError` for
   * views of different tasks or the same node twice, before anything is written.
   */
  createWorkflowStates(contexts: readonly WorkflowContextInput[], options?: WriteManyOptions): Promise<WriteResult[]>;
  /**
   * The next step of the task's pipeline, decided in one script from its index (no node is
   * read): waiting nodes now ready, waiting nodes doomed by a failed or cancelled dependency, and
   * whether every node is final. `null` when no node of the task runs in a pipeline. With
   * `ownName`, also that node's status as the script saw it (`ownStatus`), so a caller that sent
   * it right after that node's write can tell that it ran after it.
   */
  pipelineStep(taskId: string, ownName?: string): Promise<(PipelineStep & { ownStatus?: StageStatus | null }) | null>;
  /** Writes a node's view under the monotonic status rule; refreshes the TTL. */
  updateWorkflowState(context: WorkflowContextInput, options?: WriteOptions): Promise<WriteResult>;
  /** The team the task belongs to (see `WriteOptions.owner`), or `null` when none was recorded. */
  getTaskOwner(taskId: string): Promise<string | null>;
  /** The aggregated view of every node of the task, or `null` when it has no node keys. */
  getWorkflowState(taskId: string): Promise<WorkflowContext | null>;
  /** One node's stored view, or `null` when it does not exist or cannot be read. */
  getNodeState(taskId: string, taskName: string): Promise<WorkflowContext | null>;
  /**
   * Removes every key of the task (node keys, index, owner, events); returns how many node keys
   * it removed. Its listing entries stay until a reader unlists them ({@link StateStore.listTasks}).
   * With `ifPending`, removes nothing (and returns 0) unless that node is still pending in that
   * attempt: checked and deleted in one script.
   */
  deleteWorkflowState(taskId: string, options?: DeleteOptions): Promise<number>;
  /**
   * A page of tasks, newest first, from the listing kept with task creations (see
   * `KeySpace.taskListing`). A listed task may be gone (expired, or deleted by a writer that does
   * not list): readers skip it and may {@link StateStore.unlistTask} it. Throws
   * `StoreConfigError` for a cursor this store did not issue.
   */
  listTasks(options: ListTasksOptions): Promise<TaskPage>;
  /** Removes a task from the listings (all tasks, and `team`'s). */
  unlistTask(taskId: string, team?: string | null): Promise<void>;
  /**
   * Starts recording the task's events, unless that has started already, and returns the id to
   * read after (its stream's newest entry); null when the task does not exist. Writes append
   * events only to a task that has been opened so: a task nobody follows keeps no stream (a new
   * Redis stream takes a 4 KB node, four times the rest of a task's state). Open, then read the
   * task's state: every change after the open is in the stream. The stream expires and is
   * deleted with the task.
   */
  openTaskEvents(taskId: string): Promise<string | null>;
  /** The task's events after the event id `after` (exclusive; from the oldest kept when undefined), oldest first. */
  readTaskEvents(taskId: string, after?: string, count?: number): Promise<StoredTaskEvent[]>;
  /** The id of the newest entry of the task's stream, or null when it has none (never opened, or gone). */
  lastTaskEventId(taskId: string): Promise<string | null>;
  /**
   * Waits up to `blockMs` for events after `after` (`XREAD BLOCK`) on `connection`, which it
   * blocks: give it a connection of its own (e.g. `redis.duplicate()`).
   */
  waitForTaskEvents(connection: RedisConnection, taskId: string, after: string, blockMs: number, count?: number): Promise<StoredTaskEvent[]>;
}
