import { randomBytes, randomUUID } from "node:crypto";
import { maskSecrets } from "@wf/context";
import type { ActiveNodes, StateStore } from "@wf/state-redis";
import { waitFor } from "@wf/testing";
import type { Queue } from "bullmq";

/**
 * Starts a node the way the gateway does: writes it `PENDING` with the attempt's job id, then
 * adds the job under that id. A worker runs a job only as the attempt its node names.
 */
export async function enqueueNode(
  store: StateStore,
  queue: Queue,
  taskName: string,
  inputData: Record<string, unknown>,
  /**
   * `handOver`: the job carries the node's state as the gateway wrote it (`pending_view`).
   * `active`: the attempt is first recorded for the reconciler, due at once, as the gateway does.
   */
  options: { taskId?: string; callbackUrl?: string; handOver?: boolean; active?: ActiveNodes } = {},
): Promise<{ taskId: string; jobId: string }> {
  const taskId = options.taskId ?? `task-${randomUUID()}`;
  const jobId = `${taskId}.${taskName}.${randomBytes(4).toString("hex")}`;
  const masked = maskSecrets(inputData);
  const existing = await store.getWorkflowState(taskId);
  const pending = {
    workflow_id: taskId,
    create_at: existing?.create_at ?? new Date().toISOString(),
    status: "pending" as const,
    input_params: { task_name: taskName, input_data: masked, callback_url: options.callbackUrl ?? null },
    stages: { [taskName]: { status: "PENDING" as const, input_params: masked, output: null, error: null, duration: null, job_id: jobId } },
    error: null,
  };
  await options.active?.add(taskId, taskName, Date.now(), jobId);
  await store.createWorkflowState(pending);
  const data = { task_id: taskId, task_name: taskName, input_data: inputData, callback_url: options.callbackUrl ?? null };
  await queue.add(taskName, options.handOver ? { ...data, pending_view: pending } : data, { jobId });
  return { taskId, jobId };
}

/** Enqueues a node job as {@link enqueueNode} does and waits until its stage is SUCCESS or FAILED. */
export async function runNodeToEnd(store: StateStore, queue: Queue, taskName: string, inputData: Record<string, unknown>, taskId: string, timeoutMs = 30_000) {
  await enqueueNode(store, queue, taskName, inputData, { taskId });
  const state = await waitFor(async () => {
    const found = await store.getWorkflowState(taskId);
    const status = found?.stages[taskName]?.status;
    return found && (status === "SUCCESS" || status === "FAILED") ? found : undefined;
  }, timeoutMs, `${taskName} to finish`);
  return { taskId, state, stage: state.stages[taskName] };
}
