import { failedNodeView, type WorkflowContext } from "@wf/context";
import type { FastifyBaseLogger } from "fastify";
import type { GatewayDeps } from "../deps.js";

/** A node start that could not complete. */
export interface AbandonedStart {
  view: WorkflowContext;
  taskName: string;
  jobId: string;
  reason: string;
  /** The start created the task: undoing it removes the task's keys instead of failing the node. */
  newTask: boolean;
}

const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000];

async function settle(deps: GatewayDeps, start: AbandonedStart): Promise<void> {
  const { view, taskName, jobId, reason } = start;
  if (start.newTask) {
    // Nothing of the task existed before: leave nothing (a job that was added after all finds
    // its node gone and does not run). Unless the task is no longer this start's: a client that
    // retried its create (same task id) while this was being settled in the background may have
    // been answered for a task of its own, which must not be deleted under it.
    const stored = await deps.store.getNodeState(view.workflow_id, taskName);
    if (!stored || stored.stages[taskName]?.["job_id"] === jobId) await deps.store.deleteWorkflowState(view.workflow_id);
    await deps.queues.removeJob(taskName, jobId);
    return;
  }
  // FAILED first: a worker that already took the job then finds its node final and skips it, or
  // has its result refused by the status rule. Only this start's attempt: a newer one is kept.
  await deps.store.updateWorkflowState(failedNodeView(view, taskName, reason), { attempt: jobId });
  // The enqueue may have reached Redis even though it reported a failure.
  if (!(await deps.queues.removeJob(taskName, jobId))) {
    await deps.redis.publish(deps.store.keys.cancelChannel, JSON.stringify({ task_id: view.workflow_id, task_name: taskName }));
  }
}

/**
 * Undoes a start whose enqueue failed: a task the start created is removed again; a node added
 * to an existing task becomes `FAILED` with `reason`. Its job, if it was added after all, is
 * removed (or cancelled if a worker took it). Tried at once; while Redis
 * is unreachable, retried in the background for about a minute. The reconciler settles anything
 * left after that.
 */
export async function abandonStart(deps: GatewayDeps, start: AbandonedStart, log: FastifyBaseLogger): Promise<void> {
  try {
    await settle(deps, start);
    return;
  } catch (error) {
    log.warn({ err: error, taskId: start.view.workflow_id }, "could not settle an abandoned start yet; retrying in the background");
  }
  void (async () => {
    for (const delay of RETRY_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      try {
        await settle(deps, start);
        return;
      } catch {
        // Redis still unreachable: try again later.
      }
    }
    log.error({ taskId: start.view.workflow_id, node: start.taskName }, "gave up settling an abandoned start; the reconciler will");
  })();
}
