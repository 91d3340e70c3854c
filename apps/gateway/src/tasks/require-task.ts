import type { WorkflowContext } from "@wf/context";
import type { StateStore } from "@wf/state-redis";
import { canSee, type Principal } from "../auth/principal.js";
import { taskNotFound } from "../errors/api-error.js";

/** The task's recorded owner, read only when the caller is a team (anonymous callers see every task). */
export function ownerForCheck(store: StateStore, principal: Principal, taskId: string): Promise<string | null> {
  return principal.kind === "anonymous" ? Promise.resolve(null) : store.getTaskOwner(taskId);
}

/**
 * The aggregated state of a task the principal may see, or a 404 `TASK_NOT_FOUND`: when it has no
 * node keys, and equally when it belongs to another team (its existence is not revealed).
 */
export async function requireTask(store: StateStore, taskId: string, principal: Principal): Promise<WorkflowContext> {
  const [task, owner] = await Promise.all([store.getWorkflowState(taskId), ownerForCheck(store, principal, taskId)]);
  if (!task || !canSee(principal, owner)) throw taskNotFound(taskId);
  return task;
}
