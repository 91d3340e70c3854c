import { z } from "zod";

/** Canonical statuses of one node (stage), as the original Python service wrote them. */
export const STAGE_STATUSES = ["PENDING", "IN_PROGRESS", "SUCCESS", "FAILED", "CANCELLED"] as const;

/** Status of one node. */
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** Task-level statuses of a `WorkflowContext`. */
export const TASK_STATUSES = ["pending", "running", "completed", "failed", "cancelled"] as const;

/** Status of a whole task. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Legacy spellings that older writers stored, mapped to the canonical stage status. */
const LEGACY_STAGE_STATUS: Readonly<Record<string, StageStatus>> = {
  RUNNING: "IN_PROGRESS",
  COMPLETED: "SUCCESS",
  FAILURE: "FAILED",
  CANCELED: "CANCELLED",
};

/**
 * A stage status, accepting what older writers stored (`pending`, `running`, `success`, …) and
 * normalising it to the canonical upper-case form.
 */
export const StageStatusSchema = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  const upper = value.toUpperCase();
  return LEGACY_STAGE_STATUS[upper] ?? upper;
}, z.enum(STAGE_STATUSES));

/** A task status, accepting any letter case and normalising to lower case. */
export const TaskStatusSchema = z.preprocess(
  (value) => (typeof value === "string" ? value.toLowerCase() : value),
  z.enum(TASK_STATUSES),
);

const TASK_STATUS_OF_STAGE: Readonly<Record<StageStatus, TaskStatus>> = {
  PENDING: "pending",
  IN_PROGRESS: "running",
  SUCCESS: "completed",
  FAILED: "failed",
  CANCELLED: "cancelled",
};

/** The task-level status that a node's stage status stands for. */
export function taskStatusOf(stage: StageStatus): TaskStatus {
  return TASK_STATUS_OF_STAGE[stage];
}

/** Whether a stage has finished (`SUCCESS`, `FAILED` or `CANCELLED`) and will not change by itself. */
export function isTerminalStageStatus(status: StageStatus): boolean {
  return status === "SUCCESS" || status === "FAILED" || status === "CANCELLED";
}
