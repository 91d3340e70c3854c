import type { StageExecution, WorkflowContext } from "@wf/context";
import type { FastifyBaseLogger } from "fastify";
import type { GatewayDeps } from "../deps.js";

/**
 * Cancels the given pending or running nodes of a task, for real: each is marked `CANCELLED`
 * first (so no worker starts it and a late result is refused), a queued job is removed from its
 * queue, and workers are told to abort a running handler and its processes. Returns the nodes
 * cancelled (a node that finished meanwhile is left as it is).
 */
export async function cancelNodes(
  deps: GatewayDeps,
  taskId: string,
  task: WorkflowContext,
  active: readonly (readonly [string, StageExecution])[],
  log: FastifyBaseLogger,
): Promise<string[]> {
  const cancelled: string[] = [];
  for (const [taskName, stage] of active) {
    const view = (await deps.store.getNodeState(taskId, taskName)) ?? task;
    const written = await deps.store.updateWorkflowState({
      ...view,
      status: "cancelled",
      error: `${taskName} cancelled`,
      input_params: { ...view.input_params, task_name: taskName },
      stages: { [taskName]: { ...stage, status: "CANCELLED", error: "cancelled by request" } },
    });
    if (!written.written) continue; // it finished meanwhile
    cancelled.push(taskName);
    const jobId = typeof stage["job_id"] === "string" ? stage["job_id"] : undefined;
    const removed = jobId ? await deps.queues.removeIfWaiting(taskName, jobId) : false;
    if (!removed) {
      await deps.redis.publish(deps.store.keys.cancelChannel, JSON.stringify({ task_id: taskId, task_name: taskName }));
    }
    log.info({ taskId, node: taskName, removedFromQueue: removed }, "node cancelled");
  }
  return cancelled;
}
