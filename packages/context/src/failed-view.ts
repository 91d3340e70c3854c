import type { WorkflowContext } from "./workflow-context.js";

/**
 * A node's view marked `FAILED` as the original executor template marks it: the stage's `status`
 * and `error` set, and the task's `status` `failed` with `error` `"<task_name> failed: <reason>"`.
 * The stage's other fields (its input, its `job_id`) are kept.
 */
export function failedNodeView(view: WorkflowContext, taskName: string, reason: string): WorkflowContext {
  return {
    ...view,
    status: "failed",
    error: `${taskName} failed: ${reason}`,
    stages: { [taskName]: { ...view.stages[taskName], status: "FAILED", error: reason } },
  };
}
