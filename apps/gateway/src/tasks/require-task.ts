import type { WorkflowContext } from "@wf/context";
import type { StateStore } from "@wf/state-redis";
import { canSee, type Principal } from "../auth/principal.js";
import { taskNotFound } from "../errors/api-error.js";

/**
 * The aggregated state of a task the principal may see, or a 404 `TASK_NOT_FOUND`: when it has no
 * node keys, and equally when it belongs to another team (its existence is not revealed).
 */
export async function requireTask(store: StateStore, taskId: string, principal: Principal): Promise<WorkflowContext> {
  const [task, owner] = await Promise.all([store.getWorkflowState(taskId), principal.kind === "anonymous" ? null : store.getTaskOwner(taskId)]);
  if (!task || !canSee(principal, owner)) throw taskNotFound(taskId);
  return task;
}
