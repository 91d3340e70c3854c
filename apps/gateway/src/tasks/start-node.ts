import { randomUUID } from "node:crypto";
import { PlaceholderError, findPlaceholders, formatInputPath, maskSecrets, maskSecretsInText, type Placeholder, type StageExecution, type WorkflowContext } from "@wf/context";
import { UrlPolicyError, checkPublicUrl, type UrlPolicy } from "@wf/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { GatewayDeps } from "../deps.js";
import { ownerOf, type Principal } from "../auth/principal.js";
import { ApiError, taskNotFound } from "../errors/api-error.js";
import { RECONCILE_DEFAULTS } from "../reconcile/reconciler.js";
import { taskFolder } from "../storage/task-folder.js";
import { isOutOfMemoryReply } from "@wf/state-redis";
import { abandonStart } from "./abandon-start.js";
import { jobHistoryAfter } from "./attempts.js";

/** Pending plus running nodes a team may have when its key entry sets no `max_active_nodes`. */
export const DEFAULT_MAX_ACTIVE_NODES = 100;

/** A node run to start: what `POST /v1/tasks` and `POST /v1/tasks/:id/retry` hand over. */
export interface NodeRequest {
  taskId: string;
  taskName: string;
  inputData: Record<string, unknown>;
  callbackUrl: string | null;
  /** Keeps the task's creation time when the task already exists. */
  createAt?: string | null | undefined;
  /** Who starts the node: its team owns a task it creates, and its quotas and input roots apply. */
  principal: Principal;
  /** The task's recorded owner, if it has one (kept when an admin adds to another team's task). */
  owner?: string | null;
  /** Whether the task already has state (other nodes, or an earlier attempt of this one). */
  existingTask: boolean;
  /** The node's stage this attempt replaces, if any: its jobs are remembered for deletion. */
  previous?: StageExecution | undefined;
}

/** Refuses a callback URL the policy does not allow: 400 `INVALID_CALLBACK_URL`, naming the rule. */
export async function assertCallbackUrl(url: string, policy: UrlPolicy): Promise<void> {
  try {
    await checkPublicUrl(url, policy, "callback URL");
  } catch (error) {
    if (error instanceof UrlPolicyError) throw new ApiError(400, "INVALID_CALLBACK_URL", error.message);
    throw error;
  }
}

function placeholdersOf(inputData: unknown): Placeholder[] {
  try {
    return findPlaceholders(inputData);
  } catch (error) {
    if (error instanceof PlaceholderError) throw new ApiError(400, "INVALID_INPUT", error.message);
    throw error;
  }
}

/**
 * Refuses a node no live worker runs, input nested too deep, a placeholder naming a node no live
 * worker runs, or input that does not match the node's registered schema (placeholders accepted
 * wherever a value is expected: they are resolved when the node starts).
 */
export async function assertRunnable(deps: GatewayDeps, taskName: string, inputData: unknown): Promise<void> {
  const node = await deps.nodes.get(taskName);
  if (!node) {
    throw new ApiError(400, "UNKNOWN_TASK_NAME", `task_name ${taskName} is not run by any live worker; see GET /v1/tasks/supported-tasks`);
  }
  const placeholders = placeholdersOf(inputData);
  for (const placeholder of placeholders) {
    if (!(await deps.nodes.get(placeholder.stage))) {
      const where = formatInputPath(placeholder.path);
      throw new ApiError(400, "INVALID_INPUT", `${where} refers to stage ${placeholder.stage}, which no live worker runs; see GET /v1/tasks/supported-tasks`, [
        `${where}: unknown stage ${placeholder.stage}`,
      ]);
    }
  }
  const issues = node.validate(inputData, placeholders.map((placeholder) => placeholder.path));
  if (issues.length > 0) {
    throw new ApiError(400, "INVALID_INPUT", `invalid input_data for ${taskName}: ${issues.join("; ")}`, issues.map((issue) => `input_data.${issue}`));
  }
}

/**
 * Writes the node as `PENDING` (a new attempt: it replaces a finished one) and enqueues its job.
 * Secrets are masked in what Redis keeps; the job carries the real input. All or nothing: if the
 * queue refuses the job, the caller gets a 503 and the node ends `FAILED` with no job left to run
 * (see `abandonStart`); the node is recorded for the reconciler first, so even a gateway that
 * dies half-way leaves nothing pending for long.
 */
export async function startNode(deps: GatewayDeps, request: NodeRequest, log: FastifyBaseLogger): Promise<void> {
  const { taskId, taskName, inputData } = request;
  const masked = maskSecrets(inputData);
  // One id per attempt: lets a cancel find the job and a retry find the unmasked input. Its
  // suffix is 8 random hex digits, taken from randomUUID, which draws from a buffered pool
  // (randomBytes asks the system for every call).
  const jobId = `${taskId}.${taskName}.${randomUUID().slice(0, 8)}`;
  const history = jobHistoryAfter(request.previous);
  const pending: WorkflowContext = {
    workflow_id: taskId,
    create_at: request.createAt ?? new Date().toISOString(),
    status: "pending",
    input_params: { task_name: taskName, input_data: masked, callback_url: request.callbackUrl === null ? null : maskSecretsInText(request.callbackUrl) },
    shared_storage_path: taskFolder(deps.sharedRoot, taskId),
    stages: {
      [taskName]: { status: "PENDING", input_params: masked, output: null, error: null, duration: null, job_id: jobId, ...(history.length > 0 ? { job_history: history } : {}) },
    },
    error: null,
  };
  const { principal } = request;
  if (principal.kind === "team" && deps.quotas) {
    const max = principal.entry.max_active_nodes ?? DEFAULT_MAX_ACTIVE_NODES;
    if (!(await deps.quotas.reserveActiveNode(principal.team, taskId, taskName, max))) {
      throw new ApiError(429, "TOO_MANY_ACTIVE_TASKS", `team ${principal.team} already has ${max} pending or running nodes; retry when some finish`);
    }
  }
  const owner = request.owner ?? ownerOf(principal);
  // Sent together (one socket write, run in this order): the reconciler learns of the node
  // before it exists, so even a gateway that dies here leaves nothing pending for long.
  const [, written] = await Promise.all([
    deps.active?.add(taskId, taskName, Date.now() + (deps.reconcileGraceMs ?? RECONCILE_DEFAULTS.graceMs), jobId),
    deps.store.createWorkflowState(pending, owner ? { owner } : {}),
  ]);
  if (!written.written) throw taskNotFound(taskId); // another team's task, created meanwhile
  try {
    const inputRoots = principal.kind === "team" ? principal.entry.input_roots : undefined;
    await deps.queues.enqueue(
      { task_id: taskId, task_name: taskName, input_data: inputData, callback_url: request.callbackUrl, ...(inputRoots ? { input_roots: inputRoots } : {}), pending_view: pending },
      jobId,
    );
  } catch (error) {
    log.error({ err: error, taskId }, "could not enqueue node job");
    const full = isOutOfMemoryReply(error);
    const message = full ? "Redis is out of memory; the node job could not be queued" : "could not enqueue the node job; the queue is unavailable";
    await abandonStart(deps, { view: pending, taskName, jobId, reason: message, newTask: !request.existingTask }, log);
    throw full ? new ApiError(503, "STORE_FULL", `${message}; nothing was kept, retry once it has room`) : new ApiError(503, "QUEUE_UNAVAILABLE", message);
  }
  deps.metrics?.taskCreated(taskName);
}
