import { isTerminalStageStatus, type PipelineStep, type WorkflowContext, type WorkflowContextInput } from "@wf/context";
import type { CallbackJobData } from "../callback-job.js";

/** What advancing a pipeline reads and writes of the task's state (a `@wf/state-redis` store fits). */
export interface PipelineStore {
  /** The pipeline's next step, decided in Redis; `null` when the task runs no pipeline. */
  pipelineStep(taskId: string): Promise<PipelineStep | null>;
  getWorkflowState(taskId: string): Promise<WorkflowContext | null>;
  getNodeState(taskId: string, taskName: string): Promise<WorkflowContext | null>;
  updateWorkflowState(context: WorkflowContextInput, options?: { attempt?: string }): Promise<{ written: boolean }>;
}

/** What advancing a pipeline does to the jobs of waiting nodes. */
export interface PipelineJobs {
  /**
   * Lets a waiting node's job run now (BullMQ: promotes the delayed job). Does nothing when the
   * job is not waiting: already released, started, removed or gone. So releasing twice, from
   * two processes at once, still leaves one job that runs once.
   */
  release(taskName: string, jobId: string): Promise<void>;
  /** Removes a waiting node's job; resolves with its callback URL (unmasked) when it had one. */
  discard(taskName: string, jobId: string): Promise<string | null>;
  /** Queues a callback job under `jobId` (a second job of the same id is not added). */
  enqueueCallback(data: CallbackJobData, jobId: string): Promise<void>;
}

/** What {@link advancePipeline} did. */
export interface PipelineAdvance {
  /** Waiting nodes whose jobs it released. */
  released: string[];
  /** Waiting nodes it ended `CANCELLED` because a dependency failed or was cancelled. */
  cancelled: string[];
}

/** The id of a pipeline run's one callback job: one per task and submission. */
export function pipelineCallbackJobId(taskId: string, pipelineId: string): string {
  return `${taskId}.pipeline.${pipelineId}`;
}

const pipelineIdOf = (view: WorkflowContext | null | undefined, taskName: string): string | undefined => {
  const id = view?.stages[taskName]?.["pipeline_id"];
  return typeof id === "string" ? id : undefined;
};

/**
 * Moves a task's pipeline forward from its stored state; call it after a node of a pipeline task
 * ends, however it ended. Waiting nodes whose dependencies all succeeded get their jobs
 * released; waiting nodes downstream of a failed or cancelled one end `CANCELLED` with `error`
 * "not run: <task_name> failed" and their jobs are removed. Once every node of the task is final,
 * the pipeline's callback (if its request gave one) is queued, once per submission.
 *
 * Safe to call any number of times, from any process, at once: every decision is re-read from
 * Redis, a release of a job that is not waiting does nothing, and a cancellation is written only
 * for the attempt it read (the store's attempt token).
 *
 * @param callbackUrl - the unmasked callback URL of the pipeline, when the caller has it (a
 *   worker, from its job); otherwise the delivery uses the stored one.
 * @param known - the step, when the caller already read it (a worker reads it with the node's
 *   final write, in the same round trip); read here otherwise.
 */
export async function advancePipeline(
  deps: { store: PipelineStore; jobs: PipelineJobs },
  taskId: string,
  callbackUrl?: string | null,
  known?: PipelineStep | null,
): Promise<PipelineAdvance> {
  const { store, jobs } = deps;
  const step = known === undefined ? await store.pipelineStep(taskId) : known;
  if (!step) return { released: [], cancelled: [] };
  const released: string[] = [];
  // Released first: the nodes that can start should not wait for cancellations elsewhere.
  await Promise.all(
    step.ready.map(async (node) => {
      await jobs.release(node.taskName, node.jobId);
      released.push(node.taskName);
    }),
  );
  const cancelled: string[] = [];
  for (const node of step.doomed) {
    const view = await store.getNodeState(taskId, node.taskName);
    const stage = view?.stages[node.taskName];
    if (!view || !stage) continue;
    const written = await store.updateWorkflowState(
      { ...view, status: "cancelled", error: `${node.taskName} ${node.reason}`, stages: { [node.taskName]: { ...stage, status: "CANCELLED", error: node.reason } } },
      { attempt: node.jobId },
    );
    if (!written.written) continue;
    cancelled.push(node.taskName);
    const url = await jobs.discard(node.taskName, node.jobId);
    // A node posted on its own keeps its own callback; a pipeline's nodes share the pipeline's.
    if (view.input_params.callback_url && !pipelineIdOf(view, node.taskName)) {
      await jobs.enqueueCallback({ task_id: taskId, task_name: node.taskName, callback_url: url }, `${taskId}.${node.taskName}.not-run.${node.jobId}`);
    }
  }
  // Cancellations may have ended the task: ask again.
  const final = cancelled.length > 0 ? ((await store.pipelineStep(taskId))?.final ?? false) : step.final;
  if (final) await queuePipelineCallback(deps, taskId, callbackUrl);
  return { released, cancelled };
}

/** Queues the pipeline's callback, once per submission, now that every node of the task is final. */
async function queuePipelineCallback(deps: { store: PipelineStore; jobs: PipelineJobs }, taskId: string, callbackUrl: string | null | undefined): Promise<void> {
  const task = await deps.store.getWorkflowState(taskId);
  if (!task || !Object.values(task.stages).every((stage) => isTerminalStageStatus(stage.status))) return;
  // The node that speaks for the task (its newest failed node, or its newest node): the callback
  // carries its result, as a single node's callback does.
  const speaker = task.input_params.task_name;
  const pipelineId = speaker ? pipelineIdOf(task, speaker) : undefined;
  if (!speaker || !pipelineId || !task.input_params.callback_url) return;
  await deps.jobs.enqueueCallback({ task_id: taskId, task_name: speaker, callback_url: callbackUrl ?? null }, pipelineCallbackJobId(taskId, pipelineId));
}
