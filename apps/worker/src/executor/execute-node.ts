import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { dependenciesOfStage, formatIssues, type PipelineStep, isTerminalStageStatus, maskSecrets, maskSecretsInText, safeParseWorkflowContext, taskFolderPath, type StageExecution, type TaskStatus } from "@wf/context";
import { type NodeJobData } from "@wf/protocol";
import { StoreUnavailableError, isTransientStoreError, type StateStore } from "@wf/state-redis";
import type { Logger } from "pino";
import type { NodeDefinition } from "../nodes/define-node.js";
import type { ObjectStore } from "@wf/object-store";
import type { DownloadLimits } from "../inputs/download-input.js";
import { ResourceTimeoutError, type HeldResources, type ResourceBroker } from "../resources/resource-broker.js";
import { resolveInputReference } from "../inputs/resolve-reference.js";
import { uploadNodeOutputs } from "../outputs/upload-outputs.js";
import { NodeTimeoutError, startDeadline } from "./deadline.js";
import { RunLostError } from "../errors.js";
import type { NodeAbort } from "./node-abort.js";
import { needsTaskState, resolveNodeInput } from "./resolve-input.js";
import { DEFAULT_STORE_RETRY, retryStoreCall, type StoreRetryPolicy } from "./store-retry.js";


/** `value`, after running `create` once, on the first call. */
function onFirstUse(create: () => void, value: string): () => string {
  let created = false;
  return () => {
    if (!created) create();
    created = true;
    return value;
  };
}

/** What the executor needs from the worker around it. */
export interface ExecutorDeps {
  store: StateStore;
  logger: Logger;
  sharedRoot: string;
  inputRoots: readonly string[];
  tools: { ffmpeg: string; ffprobe: string };
  /** Limits on http(s) inputs. */
  downloads: DownloadLimits;
  /**
   * Where node outputs are uploaded after a success (and store inputs are fetched from);
   * nothing is uploaded without it.
   */
  objectStore?: ObjectStore | undefined;
  /** The machine's shared resources (`WF_RESOURCES`); nodes that declare resources need it. */
  resources?: ResourceBroker | undefined;
  /** Longest a node waits for its resources unless it sets its own. Default 30 min. */
  resourceWaitMs?: number;
  /** Time limit of a node that sets none (`defineNode({ timeoutMs })`). */
  nodeTimeoutMs: number;
  /**
   * How long the node's reads and state writes are retried while Redis refuses them (full,
   * failing over, unreachable). Default 10 minutes. Progress writes are not retried: one that
   * fails is skipped.
   */
  storeRetry?: StoreRetryPolicy;
  /**
   * Whether the writes sent so far reached enough replicas (`WAIT`; see `WF_REDIS_WAIT_REPLICAS`).
   * A final write that did not is sent again (after a failover, to the new master) until it did,
   * within `storeRetry`. Not checked when omitted.
   */
  replicated?: (since: number) => Promise<boolean>;
  /** How many times the store's connection has (re)connected (`connectionEpoch`): given to `replicated`. */
  connectionEpoch?: () => number;
  /** Called once a node with a callback URL has finished (SUCCESS or FAILED), to queue its callback. */
  queueCallback?: (taskId: string, taskName: string, callbackUrl: string | null) => Promise<void>;
  /**
   * Called once a node of a pipeline task has ended, however it ended: starts the nodes that
   * waited for it, or cancels those that now cannot run (see `advancePipeline`).
   */
  advancePipeline?: (taskId: string, callbackUrl: string | null, step?: PipelineStep) => Promise<void>;
  /** Test hook: waits this long between a node's SUCCESS and moving its pipeline on (a crash there is then easy to cause). */
  pauseAfterSuccessMs?: number;
}

/** The node's output with its files uploaded (when the worker has a store and neither the node nor the request opted out). */
async function uploadOutputs(deps: ExecutorDeps, node: NodeDefinition, data: NodeJobData, input: unknown, output: Record<string, unknown>, signal: AbortSignal) {
  if (!deps.objectStore || data.upload_outputs === false || node.uploads === false) return { output, files: [] };
  const skip = new Set(typeof node.uploads?.skip === "function" ? node.uploads.skip(input) : (node.uploads?.skip ?? []));
  return uploadNodeOutputs({ store: deps.objectStore, taskId: data.task_id, taskDir: taskFolderPath(deps.sharedRoot, data.task_id), output, skip, signal });
}

/**
 * How a run ended. `SKIPPED`: the node was already finished or cancelled, so it did not run.
 * `LOST`: the node stopped being this run's (its job's lock lapsed, or another worker took it
 * over), so the run stopped and wrote nothing more; the job goes back to its queue.
 */
export type ExecutionOutcome = "SUCCESS" | "FAILED" | "CANCELLED" | "SKIPPED" | "LOST";

/**
 * Runs one node job with the original executor template: validate input → stage `IN_PROGRESS` →
 * run → `SUCCESS` with `output` and `duration`, or `FAILED` with `error` (and the task's `error`
 * set to `"<task_name> failed: …"`). Never throws for a node's own failure.
 *
 * The job runs only as the attempt its node names: the stored stage's `job_id` must be `jobId`,
 * and every write carries it as the attempt token, so a job of a deleted task or of a replaced
 * attempt never runs and never writes. `abort` is how the worker cancels the run; the deadline
 * fires it too. `run` (`<take>.<random>`, see the store's `WriteOptions.run`) fences this run's
 * writes: once another worker's run of the node claimed it, this run's writes are refused and
 * the run is aborted with a `RunLostError`, writing nothing more (`LOST`).
 */
export async function executeNode(
  deps: ExecutorDeps,
  node: NodeDefinition | undefined,
  data: NodeJobData,
  jobId: string,
  abort: NodeAbort,
  run?: string,
): Promise<ExecutionOutcome> {
  const { task_id: taskId, task_name: taskName } = data;
  const logger = deps.logger.child({ taskId, node: taskName });
  const storageDir = taskFolderPath(deps.sharedRoot, taskId);
  // The gateway hands the node's state over with the job; older jobs have it read back.
  const handed = data.pending_view ? safeParseWorkflowContext(data.pending_view) : undefined;
  // Redis refusing writes for a while (out of memory, a failover, a restart) is waited out: a
  // node that has not started stays unstarted, and finished work is not thrown away.
  const retryPolicy = deps.storeRetry ?? DEFAULT_STORE_RETRY;
  const retried = <T>(what: string, call: () => Promise<T>): Promise<T> => retryStoreCall(call, what, retryPolicy, logger);
  const stored = handed?.success ? handed.data : await retried("read the node", () => deps.store.getNodeState(taskId, taskName));
  const storedStage = stored?.stages[taskName];
  if (!stored || !storedStage || storedStage["job_id"] !== jobId) {
    logger.info({ jobId, nodeJobId: storedStage?.["job_id"] }, "the node is gone or belongs to another attempt; not running this job");
    return "SKIPPED";
  }
  if (isTerminalStageStatus(storedStage.status)) {
    logger.info({ status: storedStage.status }, "node already finished; not running it again");
    return "SKIPPED";
  }

  // Secrets never reach Redis: neither in the stage snapshot nor in the task's request copy.
  const base: typeof stored & { minio_files?: unknown } = { ...stored, input_params: maskSecrets(stored.input_params) };
  // The stage keeps the input the node ran with (placeholders resolved), secrets masked.
  const stageBase: Partial<StageExecution> = { ...storedStage, input_params: maskSecrets(data.input_data), ...(run ? { run_id: run } : {}) };
  let claimed = false;
  const lost = (): boolean => abort.reason instanceof RunLostError;
  const write = async (stage: StageExecution, status: TaskStatus, error: string | null = null) => {
    if (lost()) return { written: false as const, key: "", reason: "SUPERSEDED" as const };
    const options = { attempt: jobId, ...(run ? { run: { id: run, claim: !claimed } } : {}) };
    const result = await deps.store.updateWorkflowState({ ...base, status, error, stages: { [taskName]: { ...stageBase, ...stage } } }, options);
    if (result.written) claimed = true;
    else if (claimed && run && result.reason === "SUPERSEDED") abort.abort(new RunLostError("another worker took this node over"));
    return result;
  };
  // A node's final write. Sent right behind it (one socket write, no extra round trip) is the
  // question of what the task's pipeline does next, if it has one; the answer says whether the
  // script saw this write (a script reloaded after a Redis restart can overtake it), else the
  // pipeline reads it again.
  const writeFinal = async (stage: StageExecution, status: TaskStatus, error: string | null = null) => {
    const [result, step] = await Promise.all([
      retried(`write ${stage.status}`, async () => {
        const epoch = deps.connectionEpoch?.() ?? 0;
        const result = await write(stage, status, error);
        if (result.written && deps.replicated && !(await deps.replicated(epoch))) {
          throw new StoreUnavailableError(`the ${stage.status} write did not reach its replicas in time`, undefined);
        }
        return result;
      }),
      deps.store.pipelineStep(taskId, taskName).catch(() => undefined),
    ]);
    if (step !== null && deps.advancePipeline) {
      if (stage.status === "SUCCESS" && deps.pauseAfterSuccessMs) await new Promise((resolve) => setTimeout(resolve, deps.pauseAfterSuccessMs));
      const current = step && step.ownStatus === stage.status ? step : undefined;
      await deps.advancePipeline(taskId, data.callback_url ?? null, current).catch((failure: unknown) =>
        logger.warn({ err: failure }, "could not move the task's pipeline on; the gateway's reconciler will"),
      );
    }
    return result;
  };
  // A progress report Redis refuses for now is skipped, not a failure of the node: the next one,
  // or the final write (which is retried), brings the stage up to date.
  const bestEffort = async (pending: Promise<unknown>): Promise<void> => {
    await pending.catch((error: unknown) => {
      if (!isTransientStoreError(error)) throw error;
      logger.debug({ err: error }, "progress not recorded: redis refuses writes for now");
    });
  };
  // A pipeline's nodes share one callback, which advancePipeline sends once the task is final.
  const inPipeline = typeof storedStage["pipeline_id"] === "string";

  const notify = async (): Promise<void> => {
    if (!base.input_params.callback_url || !deps.queueCallback || inPipeline) return;
    await deps.queueCallback(taskId, taskName, data.callback_url ?? null).catch((error: unknown) => logger.error({ err: error }, "could not queue the callback"));
  };

  const fail = async (reason: string): Promise<ExecutionOutcome> => {
    // Error messages often quote an input URL: never store or log its secrets.
    const message = maskSecretsInText(reason);
    logger.warn({ error: message }, "node failed");
    const result = await writeFinal({ status: "FAILED", error: message, output: null }, "failed", `${taskName} failed: ${message}`);
    if (result.written) await notify();
    return "FAILED";
  };

  if (!node) return fail(`no handler for ${taskName} is registered on this worker`);
  let requested = data.input_data;
  if (needsTaskState(node, requested)) {
    const task = await retried("read the task", () => deps.store.getWorkflowState(taskId));
    // Its job is held until every dependency succeeds (the release checked them): a job released
    // anyway (by hand) does not run on an unfinished stage's output. A node that reads no other
    // stage is not read for this, which keeps a pipeline's hop a round trip shorter.
    const unmet = dependenciesOfStage(storedStage).filter((name) => task?.stages[name]?.status !== "SUCCESS");
    if (unmet.length > 0) {
      logger.warn({ unmet }, "the node's dependencies have not all succeeded; not running it (the pipeline starts it, or cancels it)");
      return "SKIPPED";
    }
    try {
      requested = resolveNodeInput(node, requested, task?.stages ?? {});
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
    stageBase.input_params = maskSecrets(requested);
  }
  const input = node.input.safeParse(requested);
  if (!input.success) return fail(`invalid input_data: ${formatIssues(input.error).join("; ")}`);

  const started = await retried("write IN_PROGRESS", () => write({ status: "IN_PROGRESS", error: null }, "running"));
  if (!started.written) {
    logger.info({ refused: started.reason }, "node was finished, cancelled or deleted before it started; not running it");
    return "SKIPPED";
  }
  let held: HeldResources | undefined;
  if (node.resources && node.resources.length > 0) {
    const missing = node.resources.filter((kind) => !deps.resources?.has(kind));
    if (missing.length > 0) return fail(`this worker has no ${missing.join(", ")} to run ${taskName} on (set WF_RESOURCES, e.g. ${missing[0]}:0=1)`);
    try {
      held = await deps.resources!.hold(node.resources, {
        taskId,
        taskName,
        maxWaitMs: node.resourceWaitMs ?? deps.resourceWaitMs ?? 30 * 60_000,
        signal: abort.signal,
        onWaiting: async (kind, position) => {
          await bestEffort(write({ status: "IN_PROGRESS", error: null, waiting_for_resource: kind, resource_queue_position: position }, "running"));
        },
      });
    } catch (error) {
      if (error instanceof ResourceTimeoutError) return fail(error.message);
      if (lost()) return "LOST";
      if (abort.aborted) {
        await writeFinal({ status: "CANCELLED", error: "cancelled" }, "cancelled", `${taskName} cancelled`);
        return "CANCELLED";
      }
      return fail(`could not take ${node.resources.join(", ")}: ${error instanceof Error ? error.message : String(error)}`);
    }
    held.lost.addEventListener("abort", () => abort.abort(held?.lost.reason), { once: true });
    Object.assign(stageBase, { resources: held.instances, resource_queued_at: held.queuedAt, resource_wait_seconds: held.waitedMs / 1000, waiting_for_resource: null, resource_queue_position: null });
    if (held.waitedMs > 0) await retried("write IN_PROGRESS", () => write({ status: "IN_PROGRESS", error: null }, "running"));
  }
  // A lost lease ends the run at once, even for a handler that ignores its signal.
  const lostLease = held
    ? new Promise<never>((_resolve, reject) => held?.lost.addEventListener("abort", () => reject(held?.lost.reason), { once: true }))
    : undefined;
  lostLease?.catch(() => undefined);
  // So does a lost run (the job is no longer this worker's): a handler stuck on a write that
  // Redis, out of reach, will not answer must not go on to report a result.
  const lostRun = new Promise<never>((_resolve, reject) => abort.onAbort((reason) => reason instanceof RunLostError && reject(reason)));
  lostRun.catch(() => undefined);
  const untilLost = <T>(work: Promise<T>): Promise<T> => Promise.race(lostLease ? [work, lostLease, lostRun] : [work, lostRun]);
  const runHeld = async (): Promise<ExecutionOutcome> => {
    const runStartedAt = Date.now();
    // Created on first use: a node that writes nothing costs no filesystem calls.
    const outputDir = onFirstUse(() => mkdirSync(join(storageDir, "nodes", taskName), { recursive: true }), join(storageDir, "nodes", taskName));
    const taskDir = onFirstUse(() => mkdirSync(storageDir, { recursive: true }), storageDir);

    const timeoutMs = node.timeoutMs ?? deps.nodeTimeoutMs;
    const deadline = startDeadline(timeoutMs, abort, logger);
    try {
      const output = await deadline.race(untilLost(node.run(input.data, {
        taskId,
        taskName,
        get storageDir() {
          return taskDir();
        },
        get outputDir() {
          return outputDir();
        },
        logger,
        get signal() {
          return abort.signal;
        },
        tools: deps.tools,
        resolveInput: (reference) => resolveInputReference(deps, { taskId, storageDir, teamRoots: data.input_roots }, reference, abort.signal),
        progress: async (percent) => {
          const progress = Math.max(0, Math.min(100, Math.round(percent)));
          await bestEffort(write({ status: "IN_PROGRESS", error: null, progress }, "running"));
        },
      })));
      const uploaded = await deadline.race(uploadOutputs(deps, node, data, input.data, { ...output }, abort.signal));
      const duration = (Date.now() - runStartedAt) / 1000;
      const minio = uploaded.files.length > 0 ? { minio_files: uploaded.files.map(({ name, url, type, size }) => ({ name, url, type, size })) } : {};
      base.minio_files = minio.minio_files ?? null;
      const result = await writeFinal({ status: "SUCCESS", output: uploaded.output, error: null, duration, progress: 100, ...minio }, "completed");
      if (!result.written && lost()) {
        logger.warn({ reason: (abort.reason as Error).message }, "node finished, but it is no longer this worker's; result dropped");
        return "LOST";
      }
      if (!result.written) {
        logger.info({ refused: result.reason }, "node finished but was cancelled or deleted meanwhile; result dropped");
        return "CANCELLED";
      }
      logger.info({ duration }, "node succeeded");
      await notify();
      return "SUCCESS";
    } catch (error) {
      if (lost()) {
        logger.warn({ reason: (abort.reason as Error).message }, "node stopped: it is no longer this worker's to run");
        return "LOST";
      }
      if (deadline.expired) return fail(new NodeTimeoutError(timeoutMs).message);
      if (held?.lost.aborted) return fail(`${(held.lost.reason as Error).message}; stopped so as not to run beside the next holder`);
      if (abort.aborted) {
        await writeFinal({ status: "CANCELLED", error: "cancelled" }, "cancelled", `${taskName} cancelled`);
        logger.info("node cancelled");
        return "CANCELLED";
      }
      return fail(error instanceof Error ? error.message : String(error));
    } finally {
      deadline.clear();
    }
  };
  try {
    return await runHeld();
  } finally {
    await held?.release();
  }
}
