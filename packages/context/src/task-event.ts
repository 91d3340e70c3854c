import { z } from "zod";
import { STAGE_STATUSES } from "./status.js";
import type { StageExecution } from "./workflow-context.js";

/**
 * What happened to a node: written (`created`, a new attempt), started or progressed
 * (`running`), finished (`succeeded`, `failed`, `cancelled`), or its callback was delivered or
 * given up (`callback`).
 */
export const TASK_EVENT_TYPES = ["created", "running", "succeeded", "failed", "cancelled", "callback"] as const;

/** The kind of a {@link TaskEvent}. */
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

/** One change of one node's state, as the events route streams it (`data:` of an SSE event). */
export const TaskEventSchema = z.object({
  type: z.enum(TASK_EVENT_TYPES),
  task_id: z.string(),
  task_name: z.string(),
  status: z.enum(STAGE_STATUSES),
  /** 0–100 while the node runs, when it reports progress. */
  progress: z.number().nullable(),
  error: z.string().nullable(),
  /** `sent`, `failed` or `invalid_url` once the node's callback is settled. */
  callback_status: z.string().nullable(),
  /** Seconds the node ran, once it finished. */
  duration: z.number().nullable(),
  /** When the state was written (ISO 8601). */
  updated_at: z.string(),
  /** Only while a running node has lost its worker: what happens next (the stage's `takeover`). */
  takeover: z.string().optional(),
});

/** One change of one node's state. */
export type TaskEvent = z.output<typeof TaskEventSchema>;

const TYPE_OF_STATUS = {
  PENDING: "created",
  IN_PROGRESS: "running",
  SUCCESS: "succeeded",
  FAILED: "failed",
  CANCELLED: "cancelled",
} as const satisfies Record<(typeof STAGE_STATUSES)[number], TaskEventType>;

/**
 * The event type a node state stands for: its status's, or `callback` when a finished node
 * carries its callback's outcome.
 */
export function taskEventTypeOf(status: (typeof STAGE_STATUSES)[number], callbackStatus: string | null): TaskEventType {
  const finished = status === "SUCCESS" || status === "FAILED" || status === "CANCELLED";
  return finished && callbackStatus !== null ? "callback" : TYPE_OF_STATUS[status];
}

const numberOrNull = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/**
 * The event that a node's stage stands for: its status, `progress` and `duration` when they are
 * numbers, its error, and `callback_status` when given (which makes a finished node's event a
 * `callback` one).
 */
export function taskEventOfStage(
  taskId: string,
  taskName: string,
  stage: StageExecution,
  updatedAt: string,
  callbackStatus: string | null = null,
): TaskEvent {
  return {
    type: taskEventTypeOf(stage.status, callbackStatus),
    task_id: taskId,
    task_name: taskName,
    status: stage.status,
    progress: numberOrNull(stage["progress"]),
    error: stage.error ?? null,
    callback_status: callbackStatus,
    duration: numberOrNull(stage.duration),
    updated_at: updatedAt,
    ...(stage.status === "IN_PROGRESS" && typeof stage["takeover"] === "string" ? { takeover: stage["takeover"] } : {}),
  };
}
