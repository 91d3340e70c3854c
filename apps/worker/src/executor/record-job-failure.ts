import { failedNodeView, isTerminalStageStatus, maskSecretsInText } from "@wf/context";
import { NodeJobDataSchema } from "@wf/protocol";
import type { StateStore } from "@wf/state-redis";
import type { Logger } from "pino";

/**
 * Records a node job that BullMQ failed outside the executor (stalled more than
 * `maxStalledCount` times, or the executor's own state write failed, e.g. Redis out of memory):
 * its node, if it is still that attempt's and not final, becomes FAILED with the reason. Best
 * effort: when Redis refuses this too, the gateway's reconciler settles the node later.
 * Resolves `true` when it wrote.
 */
export async function recordJobFailure(
  store: StateStore,
  job: { id?: string | undefined; data: unknown },
  reason: string,
  logger: Logger,
): Promise<boolean> {
  const data = NodeJobDataSchema.safeParse(job.data);
  if (!data.success || !job.id) return false;
  const { task_id: taskId, task_name: taskName } = data.data;
  try {
    const view = await store.getNodeState(taskId, taskName);
    const stage = view?.stages[taskName];
    if (!view || !stage || stage["job_id"] !== job.id || isTerminalStageStatus(stage.status)) return false;
    const message = maskSecretsInText(`the job failed outside the node: ${reason}`);
    const result = await store.updateWorkflowState(failedNodeView(view, taskName, message), { attempt: job.id });
    if (result.written) logger.warn({ taskId, node: taskName, reason }, "node failed by its queue");
    return result.written;
  } catch (error) {
    logger.warn({ err: error, taskId, node: taskName }, "could not record a failed job; the reconciler will");
    return false;
  }
}
