import { EVENT_ID_HEADER, SIGNATURE_HEADER, signCallback, buildSingleNodeResult } from "@wf/context";
import { CALLBACK_QUEUE, CallbackJobDataSchema, UrlPolicyError, checkPublicUrl, requestPinned, type CallbackStatus, type CheckedUrl, type UrlPolicy } from "@wf/protocol";
import type { StateStore } from "@wf/state-redis";
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import type { FastifyBaseLogger } from "fastify";

/** Options of {@link startCallbackDelivery}. */
export interface CallbackDeliveryOptions {
  store: StateStore;
  connection: ConnectionOptions;
  prefix?: string;
  policy: UrlPolicy;
  timeoutMs?: number;
  logger: FastifyBaseLogger;
  /**
   * The secret that signs a task's callbacks (`X-Wf-Signature`): its team's `callback_secret`, or
   * `WF_CALLBACK_SECRET` for tasks without a team. Unsigned when it resolves to nothing.
   */
  secretFor?: (taskId: string) => Promise<string | undefined>;
  /** Called with each final outcome (for metrics). */
  onOutcome?: (status: CallbackStatus) => void;
}

/**
 * Delivers queued callbacks: `POST {task_id, status, result, minio_files?, timestamp}` to the
 * task's callback URL, signed (`X-Wf-Signature`) and with an event id stable across retries
 * (`X-Wf-Event-Id`, the callback job's id). A failed attempt is retried by BullMQ with exponential backoff (the job
 * survives restarts of the gateway and the worker); the final outcome is stored on the task as
 * `callback_status`: `sent`, `failed` (after the last attempt) or `invalid_url` (never retried).
 */
export function startCallbackDelivery(options: CallbackDeliveryOptions): Worker {
  const { store, logger } = options;

  const record = async (taskId: string, taskName: string, status: CallbackStatus): Promise<void> => {
    const view = await store.getNodeState(taskId, taskName);
    if (view) await store.updateWorkflowState({ ...view, callback_status: status });
    options.onOutcome?.(status);
    logger.info({ taskId, node: taskName, callbackStatus: status }, "callback finished");
  };

  const deliver = async (job: Job): Promise<void> => {
    const data = CallbackJobDataSchema.parse(job.data);
    const view = await store.getNodeState(data.task_id, data.task_name);
    const url = data.callback_url ?? view?.input_params.callback_url;
    const stage = view?.stages[data.task_name];
    if (!view || !url || !stage) return; // the task was deleted, or never asked for a callback

    let target;
    try {
      target = await checkPublicUrl(url, options.policy, "callback URL");
    } catch (error) {
      if (!(error instanceof UrlPolicyError)) throw error;
      await record(data.task_id, data.task_name, "invalid_url");
      throw new UnrecoverableError(error.message);
    }
    const body = {
      task_id: data.task_id,
      status: stage.status === "SUCCESS" ? "completed" : "failed",
      result: buildSingleNodeResult(data.task_name, stage),
      ...(view["minio_files"] ? { minio_files: view["minio_files"] } : {}),
      timestamp: new Date().toISOString(),
    };
    const payload = JSON.stringify(body);
    const secret = await options.secretFor?.(data.task_id);
    const headers: Record<string, string> = { [EVENT_ID_HEADER]: String(job.id) };
    if (secret) headers[SIGNATURE_HEADER] = await signCallback(payload, secret, Date.now() / 1000);
    let failure: string;
    try {
      const status = await postJson(target, payload, headers, options.timeoutMs ?? 10_000);
      if (status >= 200 && status < 300) {
        await record(data.task_id, data.task_name, "sent");
        return;
      }
      failure = `receiver answered HTTP ${status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    logger.warn({ taskId: data.task_id, attempt: job.attemptsMade + 1, lastAttempt, reason: failure }, "callback attempt failed");
    if (lastAttempt) await record(data.task_id, data.task_name, "failed");
    throw new Error(failure);
  };

  const worker = new Worker(CALLBACK_QUEUE, deliver, { connection: options.connection, prefix: options.prefix ?? "bull", concurrency: 8 });
  worker.on("error", (error) => logger.error({ err: error }, "callback worker error"));
  return worker;
}

/** POSTs a JSON payload to a checked URL and resolves with the HTTP status. */
async function postJson(target: CheckedUrl, payload: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const response = await requestPinned(target, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
    body: payload,
    timeoutMs,
  });
  response.resume();
  return response.statusCode ?? 0;
}
