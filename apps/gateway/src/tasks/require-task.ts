import type { WorkflowContext } from "@wf/context";
import type { StateStore } from "@wf/state-redis";
import { taskNotFound } from "../errors/api-error.js";

/** The aggregated state of a task, or a 404 `TASK_NOT_FOUND` when it has no node keys. */
export async function requireTask(store: StateStore, taskId: string): Promise<WorkflowContext> {
  const task = await store.getWorkflowState(taskId);
  if (!task) throw taskNotFound(taskId);
  return task;
}
