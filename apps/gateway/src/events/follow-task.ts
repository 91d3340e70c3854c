import { isTerminalStageStatus, taskEventOfStage, type StageStatus, type TaskEvent, type WorkflowContext } from "@wf/context";
import type { RedisConnection, StateStore } from "@wf/state-redis";
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
}

/** The current state of every node of a task, as events (the start of a fresh stream). */
export function snapshotEvents(task: WorkflowContext): TaskEvent[] {
  const updatedAt = task.updated_at ?? new Date().toISOString();
  return Object.entries(task.stages).map(([taskName, stage]) => taskEventOfStage(task.workflow_id, taskName, stage, updatedAt));
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
  // Opened before the state is read: a change landing in between is in both (sent twice, never lost).
  const lastId = await store.openTaskEvents(taskId);
  const task = lastId === null ? null : await store.getWorkflowState(taskId);
  if (!task) return "deleted";
  for (const [name, stage] of Object.entries(task.stages)) statuses.set(name, stage.status);
  if (options.lastEventId === undefined) {
    after = lastId ?? "0-0";
    for (const event of snapshotEvents(task)) sse.send(event, { id: lastId });
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
      if (Date.now() - finalSince >= options.callbackWaitMs || (await callbacksSettled(store, taskId, statuses.keys()))) return "finished";
    }
    const events = await store.waitForTaskEvents(connection, taskId, after, options.blockMs).catch((error: unknown) => {
      if (signal.aborted) return [];
      throw error;
    });
    if (signal.aborted) break;
    if (events.length === 0) {
      if (!(await store.getWorkflowState(taskId))) return "deleted";
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
