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
  // The enqueue may have reached Redis although it reported a failure (its reply lost or late
  // in a restart or failover): the start then went through, and a client that retried its create
  // may have been told the node is queued. Nothing to undo. (Asked over the connection the
  // enqueue used, after it: an enqueue resent on reconnecting has landed by now.)
  if (await deps.queues.jobStatus(taskName, jobId)) return;
  if (start.newTask) {
    // Nothing of the task existed before: leave nothing. Unless the task is no longer this
    // start's: a client that retried its create (same task id) while this was being settled may
    // have been answered for a start of its own, which must not be deleted under it; and a job
    // that ran (and is gone from its queue) leaves its node past PENDING. Checked and deleted in
    // one script.
    await deps.store.deleteWorkflowState(view.workflow_id, { ifPending: { taskName, jobId } });
  } else {
    // Only this start's attempt: a newer one is kept.
    await deps.store.updateWorkflowState(failedNodeView(view, taskName, reason), { attempt: jobId });
  }
  // An enqueue resent over another connection (after a failover) could still land: a job found
  // now is removed (or, taken by a worker, cancelled; its node is final or gone).
  if (!(await deps.queues.removeJob(taskName, jobId))) {
    await deps.redis.publish(deps.store.keys.cancelChannel, JSON.stringify({ task_id: view.workflow_id, task_name: taskName }));
  }
}

/**
 * Undoes a start whose enqueue failed: a task the start created is removed again; a node added
 * to an existing task becomes `FAILED` with `reason`. A start whose job is found in its queue
 * after all (the enqueue's reply was lost) is kept: it went through. Tried at once; while Redis
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
