import { randomUUID } from "node:crypto";
import { maskSecrets, maskSecretsInText, type StageExecution, type WorkflowContext } from "@wf/context";
import { UrlPolicyError, advancePipeline, checkPublicUrl, type UrlPolicy } from "@wf/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { GatewayDeps } from "../deps.js";
import { ownerOf, type Principal } from "../auth/principal.js";
import { checkObjectInputs } from "../files/object-inputs.js";
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
  /** `false`: the request turned output uploads off. */
  uploadOutputs?: boolean | undefined;
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

/** One node of a {@link NodesRequest}. */
export interface StartingNode {
  taskName: string;
  inputData: Record<string, unknown>;
  /** Every stage it depends on (see `PlannedNode.dependsOn`); `[]` for none. */
  dependsOn: readonly string[];
  /** The node's stage this attempt replaces, if any: its jobs are remembered for deletion. */
  previous?: StageExecution | undefined;
}

/** Nodes of one task to start in one step: a pipeline request, or one node. */
export interface NodesRequest extends Omit<NodeRequest, "taskName" | "inputData" | "previous"> {
  nodes: readonly StartingNode[];
  /** The task's stages as read before the request: dependencies among them that succeeded are met. */
  stages: Readonly<Record<string, StageExecution>>;
  /** Set for a multi-node request: its nodes share one callback, sent once the task is final. */
  pipelineId?: string | undefined;
}

/** What {@link startNodes} started. */
export interface StartedNodes {
  /** Nodes whose jobs were queued to run now. */
  queued: string[];
  /** Nodes that wait for other stages (their jobs are held until those succeed), each with the stages it waits for. */
  waiting: Map<string, string[]>;
}

/** Starts one node that depends on nothing: see {@link startNodes}. */
export async function startNode(deps: GatewayDeps, request: NodeRequest, log: FastifyBaseLogger): Promise<void> {
  const { taskName, inputData, previous, ...rest } = request;
  await startNodes(deps, { ...rest, nodes: [{ taskName, inputData, previous, dependsOn: [] }], stages: {} }, log);
}

/**
 * Writes the nodes as `PENDING` (new attempts: they replace finished ones), all in one atomic
 * step, and enqueues their jobs: at once for a node whose dependencies have all succeeded, held
 * (delayed; `advancePipeline` releases it) for a node that waits. Secrets are masked in what
 * Redis keeps; the jobs carry the real input. All or nothing: if the queue refuses a job, the
 * caller gets a 503 and the nodes end `FAILED` with no job left to run (see `abandonStart`); the
 * nodes are recorded for the reconciler first, so even a gateway that dies half-way leaves
 * nothing pending for long.
 */
export async function startNodes(deps: GatewayDeps, request: NodesRequest, log: FastifyBaseLogger): Promise<StartedNodes> {
  const { taskId, principal } = request;
  for (const node of request.nodes) await checkObjectInputs(deps.objectStore, deps.store, principal, taskId, node.taskName, node.inputData);
  const createAt = request.createAt ?? new Date().toISOString();
  const callbackUrl = request.callbackUrl === null ? null : maskSecretsInText(request.callbackUrl);
  const starting = request.nodes.map((node) => {
    const masked = maskSecrets(node.inputData);
    // One id per attempt: lets a cancel find the job and a retry find the unmasked input. Its
    // suffix is 8 random hex digits, taken from randomUUID, which draws from a buffered pool
    // (randomBytes asks the system for every call).
    const jobId = `${taskId}.${node.taskName}.${randomUUID().slice(0, 8)}`;
    const history = jobHistoryAfter(node.previous);
    const waitingFor = node.dependsOn.filter((name) => request.stages[name]?.status !== "SUCCESS");
    const waiting = waitingFor.length > 0;
    const pipelineFields = {
      ...(node.dependsOn.length > 0 || request.pipelineId ? { depends_on: [...node.dependsOn] } : {}),
      ...(request.pipelineId ? { pipeline_id: request.pipelineId } : {}),
      // Kept so a retry of the task keeps the request's choice.
      ...(request.uploadOutputs === false ? { upload_outputs: false } : {}),
    };
    const view: WorkflowContext = {
      workflow_id: taskId,
      create_at: createAt,
      status: "pending",
      input_params: { task_name: node.taskName, input_data: masked, callback_url: callbackUrl },
      shared_storage_path: taskFolder(deps.sharedRoot, taskId),
      stages: {
        [node.taskName]: {
          status: "PENDING",
          input_params: masked,
          output: null,
          error: null,
          duration: null,
          job_id: jobId,
          ...(history.length > 0 ? { job_history: history } : {}),
          ...pipelineFields,
        },
      },
      error: null,
    };
    return { node, view, jobId, waiting, waitingFor };
  });
  if (principal.kind === "team" && deps.quotas) {
    const max = principal.entry.max_active_nodes ?? DEFAULT_MAX_ACTIVE_NODES;
    for (const { node } of starting) {
      if (!(await deps.quotas.reserveActiveNode(principal.team, taskId, node.taskName, max))) {
        throw new ApiError(429, "TOO_MANY_ACTIVE_TASKS", `team ${principal.team} already has ${max} pending or running nodes; retry when some finish`);
      }
    }
  }
  const owner = request.owner ?? ownerOf(principal);
  const inPipeline = request.pipelineId !== undefined || starting.some((entry) => entry.waiting);
  const dueAt = Date.now() + (deps.reconcileGraceMs ?? RECONCILE_DEFAULTS.graceMs);
  // Sent together (one socket write, run in this order): the reconciler learns of the nodes
  // before they exist, so even a gateway that dies here leaves nothing pending for long.
  const watched = Promise.all(starting.map((entry) => deps.active?.add(taskId, entry.node.taskName, dueAt, entry.jobId)));
  const only = starting.length === 1 && !inPipeline ? starting[0] : undefined;
  const writes = only
    ? deps.store.createWorkflowState(only.view, owner ? { owner } : {}).then((result) => [result])
    : deps.store.createWorkflowStates(
        starting.map((entry) => entry.view),
        { owner: owner ?? undefined, pipeline: true },
      );
  const [, written] = await Promise.all([watched, writes]);
  if (!written.every((result) => result.written)) throw taskNotFound(taskId); // another team's task, created meanwhile
  try {
    const inputRoots = principal.kind === "team" ? principal.entry.input_roots : undefined;
    await Promise.all(
      starting.map(({ node, view, jobId, waiting }) =>
        deps.queues.enqueue(
          {
            task_id: taskId,
            task_name: node.taskName,
            input_data: node.inputData,
            callback_url: request.callbackUrl,
            ...(inputRoots ? { input_roots: inputRoots } : {}),
            ...(request.uploadOutputs === false ? { upload_outputs: false } : {}),
            pending_view: view,
          },
          jobId,
          { waiting },
        ),
      ),
    );
  } catch (error) {
    log.error({ err: error, taskId }, "could not enqueue node job");
    const full = isOutOfMemoryReply(error);
    const message = full ? "Redis is out of memory; the node job could not be queued" : "could not enqueue the node job; the queue is unavailable";
    for (const { node, view, jobId } of starting) {
      await abandonStart(deps, { view, taskName: node.taskName, jobId, reason: message, newTask: !request.existingTask }, log);
    }
    throw full ? new ApiError(503, "STORE_FULL", `${message}; nothing was kept, retry once it has room`) : new ApiError(503, "QUEUE_UNAVAILABLE", message);
  }
  for (const { node } of starting) deps.metrics?.taskCreated(node.taskName);
  // A dependency may have ended between the read this request was planned on and the write: its
  // worker then found no held job to release. Looking once more now that the jobs exist closes
  // that gap (and cancels at once a node whose dependency had already failed).
  if (starting.some((entry) => entry.waiting)) {
    await advancePipeline({ store: deps.store, jobs: deps.queues.pipelineJobs }, taskId, request.callbackUrl).catch((error: unknown) =>
      log.warn({ err: error, taskId }, "could not look for waiting nodes to start; the reconciler will"),
    );
  }
  return {
    queued: starting.filter((entry) => !entry.waiting).map((entry) => entry.node.taskName),
    waiting: new Map(starting.filter((entry) => entry.waiting).map((entry) => [entry.node.taskName, entry.waitingFor])),
  };
}
