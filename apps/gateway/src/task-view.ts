import { buildSingleNodeResult, taskStatusOf, type SingleNodeResult, type TaskStatus, type WorkflowContext } from "@wf/context";

/** The task-level status of an aggregated view; derived from its node when a writer left it out. */
export function taskStatusOfView(task: WorkflowContext): TaskStatus {
  if (task.status) return task.status;
  const stage = task.stages[task.input_params.task_name ?? ""];
  return stage ? taskStatusOf(stage.status) : "pending";
}

/** A sentence for the status, as the original API answered. */
export function statusMessage(status: TaskStatus, error?: string | null): string {
  switch (status) {
    case "pending":
      return "task is queued";
    case "running":
      return "task is running";
    case "completed":
      return "task completed";
    case "failed":
      return error ? `task failed: ${error}` : "task failed";
    case "cancelled":
      return "task was cancelled";
  }
}

/** The single-node result of the node the (newest) view belongs to. */
export function viewResult(task: WorkflowContext): SingleNodeResult | null {
  const taskName = task.input_params.task_name;
  return taskName ? buildSingleNodeResult(taskName, task.stages[taskName]) : null;
}

/**
 * The files the task's nodes uploaded to the object store (`{name, url, type, size}`), every
 * node's in stage order; `null` when none did (no store, or uploads turned off).
 */
export function minioFilesOf(task: WorkflowContext): Record<string, unknown>[] | null {
  const files = Object.values(task.stages).flatMap((stage) => (Array.isArray(stage["minio_files"]) ? (stage["minio_files"] as Record<string, unknown>[]) : []));
  if (files.length > 0) return files;
  return Array.isArray(task["minio_files"]) ? (task["minio_files"] as Record<string, unknown>[]) : null;
}

/** The running nodes the reconciler found without a worker (`worker_lost_at`, `takeover` on their stage), or `null`. */
export function workersLostOf(task: WorkflowContext): { task_name: string; worker_lost_at: string; takeover: string }[] | null {
  const lost = Object.entries(task.stages).flatMap(([taskName, stage]) =>
    stage.status === "IN_PROGRESS" && typeof stage["takeover"] === "string" && typeof stage["worker_lost_at"] === "string"
      ? [{ task_name: taskName, worker_lost_at: stage["worker_lost_at"], takeover: stage["takeover"] }]
      : [],
  );
  return lost.length > 0 ? lost : null;
}

/** The `/status` answer of a task, as the original shapes it. */
export function statusBody(task: WorkflowContext) {
  const status = taskStatusOfView(task);
  const workersLost = workersLostOf(task);
  const lostNote = workersLost ? `; ${workersLost.map((node) => `${node.task_name}: ${node.takeover}`).join("; ")}` : "";
  return {
    task_id: task.workflow_id,
    status,
    message: statusMessage(status, task.error) + lostNote,
    // Only while a node's worker is lost: the original's answer keeps its exact fields otherwise.
    ...(workersLost ? { workers_lost: workersLost } : {}),
    result: viewResult(task),
    minio_files: minioFilesOf(task),
    create_at: task.create_at ?? null,
    updated_at: task.updated_at ?? null,
    callback_status: typeof task["callback_status"] === "string" ? task["callback_status"] : null,
  };
}
