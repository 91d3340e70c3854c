import { isTerminalStageStatus, taskEventOfStage, type StageStatus, type TaskEvent, type WorkflowContext } from "@wf/context";
import { setTimeout as sleep } from "node:timers/promises";
import { isTransientStoreError, type RedisConnection, type StateStore } from "@wf/state-redis";
import type { SseWriter } from "./sse.js";

/** Why a stream of task events ended. */
export type FollowEnd = "finished" | "deleted" | "left";

/** Options of {@link followTask}. */
export interface FollowOptions {
  store: StateStore;
  /** A connection of the stream's own, which the wait for events blocks. */
  connection: RedisConnection;
  taskId: string;
  /** `Last-Event-ID` of a client resuming: the events after it are sent instead of the current state. */
  lastEventId: string | undefined;
  sse: SseWriter;
  signal: AbortSignal;
  /** How long one wait for events blocks before a keep-alive comment. */
  blockMs: number;
  /** How long to wait for callbacks once every node is final. */
  callbackWaitMs: number;
  /**
   * How long the stream rides out Redis refusing or out of reach (a failover, a restart) before it
   * ends with an error; keep-alive comments go out meanwhile.
   */
  storeOutageMs: number;
}

/** How often a stream tries Redis again while it is away. */
const OUTAGE_RETRY_MS = 500;

/**
 * Runs a store call of an open stream, trying again while Redis is away for up to
 * `storeOutageMs`: the client keeps its stream through a failover instead of reconnecting.
 */
async function outlastOutage<T>(call: () => Promise<T>, options: FollowOptions): Promise<T> {
  for (const since = Date.now(); ; ) {
    try {
      return await call();
    } catch (error) {
      if (options.signal.aborted || !isTransientStoreError(error) || Date.now() - since >= options.storeOutageMs) throw error;
      options.sse.comment("waiting for redis");
      await sleep(OUTAGE_RETRY_MS, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
}

/** The current state of every node of a task, as events (the start of a fresh stream). */
export function snapshotEvents(task: WorkflowContext): TaskEvent[] {
  const updatedAt = task.updated_at ?? new Date().toISOString();
  return Object.entries(task.stages).map(([taskName, stage]) => taskEventOfStage(task.workflow_id, taskName, stage, updatedAt));
}

/** How often a stream's start reads the task again because it changed during the read. */
const SNAPSHOT_READS = 5;

/**
 * The task's state and the id of the newest event it reflects. The stream is opened first, so no
 * change after the read is lost; the state is read again while changes land during the read, so
 * that resuming after the id repeats none of them. A task that keeps changing faster than it is
 * read gets, after a few reads, the id from before the last read: a change may then be sent twice.
 */
async function snapshotWithId(store: StateStore, taskId: string): Promise<{ task: WorkflowContext; id: string } | null> {
  let id = await store.openTaskEvents(taskId);
  for (let read = 1; id !== null; read += 1) {
    const task = await store.getWorkflowState(taskId);
    if (!task) return null;
    const newest = await store.lastTaskEventId(taskId);
    if (newest === null || newest === id || read === SNAPSHOT_READS) return { task, id };
    id = newest;
  }
  return null;
}

/** Whether every node of the task that asked for a callback has its outcome recorded. */
async function callbacksSettled(store: StateStore, taskId: string, names: Iterable<string>): Promise<boolean> {
  const views = await Promise.all([...names].map((name) => store.getNodeState(taskId, name)));
  return views.every((view) => !view?.input_params.callback_url || typeof view["callback_status"] === "string");
}

/**
 * Streams a task's events until every node is final (and its callback settled, for at most
 * `callbackWaitMs`), the task is deleted, or the client leaves (`signal`). Starts with the
 * current state of every node, or with the events after `lastEventId` when resuming.
 */
export async function followTask(options: FollowOptions): Promise<FollowEnd> {
  const { store, connection, taskId, sse, signal } = options;
  const statuses = new Map<string, StageStatus>();
  let after: string;
  const snapshot = await snapshotWithId(store, taskId);
  if (!snapshot) return "deleted";
  const { task } = snapshot;
  for (const [name, stage] of Object.entries(task.stages)) statuses.set(name, stage.status);
  if (options.lastEventId === undefined) {
    after = snapshot.id;
    for (const event of snapshotEvents(task)) sse.send(event, { id: snapshot.id });
  } else {
    after = options.lastEventId;
    for (const { id, event } of await store.readTaskEvents(taskId, after)) {
      sse.send(event, { id });
      after = id;
    }
  }
  let finalSince: number | undefined;
  while (!signal.aborted) {
    if ([...statuses.values()].every(isTerminalStageStatus)) {
      finalSince ??= Date.now();
      if (Date.now() - finalSince >= options.callbackWaitMs || (await outlastOutage(() => callbacksSettled(store, taskId, statuses.keys()), options))) return "finished";
    }
    const events = await outlastOutage(() => store.waitForTaskEvents(connection, taskId, after, options.blockMs), options).catch((error: unknown) => {
      if (signal.aborted) return [];
      throw error;
    });
    if (signal.aborted) break;
    if (events.length === 0) {
      if (!(await outlastOutage(() => store.getWorkflowState(taskId), options))) return "deleted";
      sse.comment("keep-alive");
    }
    for (const { id, event } of events) {
      sse.send(event, { id });
      statuses.set(event.task_name, event.status);
      after = id;
    }
  }
  return "left";
}
