import { randomUUID } from "node:crypto";
import { buildSingleNodeResult, maskSecretsInText, type WorkflowContext } from "@wf/context";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { canSee } from "../auth/principal.js";
import { ApiError, taskNotFound } from "../errors/api-error.js";
import { idempotent } from "../idempotency/idempotency.js";
import { CreateTaskBodySchema, CreateTaskResponseSchema, ErrorResponseSchema, commonErrors } from "../schemas/tasks.js";
import { ownerForCheck } from "../tasks/require-task.js";
import { planNodes } from "../tasks/plan-nodes.js";
import { assertCallbackUrl, startNodes } from "../tasks/start-node.js";
import { submitPipeline } from "../tasks/submit-pipeline.js";

/** `reuse_info` as the original answers it: the node was found in Redis, last written at `cached_at`. */
function reuseInfo(taskName: string, node: WorkflowContext | null, task: WorkflowContext) {
  const cachedAt = node?.updated_at ?? task.updated_at ?? task.create_at ?? null;
  return { reuse_hit: true as const, task_name: taskName, source: "redis" as const, cached_at: cachedAt };
}

/** Whether a node's job is still in its queue to run (waiting, delayed, active, …), not gone or ended. */
async function hasLiveJob(deps: GatewayDeps, taskName: string, jobId: string): Promise<boolean> {
  const job = await deps.queues.jobStatus(taskName, jobId).catch(() => {
    throw new ApiError(503, "QUEUE_UNAVAILABLE", "could not look up the node's job; the queue is unavailable");
  });
  return job !== undefined && job.state !== "failed" && job.state !== "completed";
}

/** `POST /v1/tasks`: reuse a finished or running node, or write it as pending and enqueue it. */
export function registerCreateTask(app: ZodApp, deps: GatewayDeps): void {
  app.post(
    "/v1/tasks",
    {
      schema: {
        operationId: "createTask",
        summary: "Run a node, or a pipeline of nodes, for a task",
        tags: ["tasks"],
        body: CreateTaskBodySchema,
        response: { 200: CreateTaskResponseSchema, 400: ErrorResponseSchema, ...commonErrors({ body: true }) },
      },
    },
    async (request, reply) => idempotent(deps, request, reply, "create", async () => {
      const body = request.body;
      // Python clients send None for what they leave out: null means absent.
      const callback = body.callback ?? undefined;
      const given = body.task_id ?? undefined;
      const taskId = given ?? `task-${randomUUID()}`;
      // A task id generated here names no task yet: nothing to read back.
      const [existing, owner] = given
        ? await Promise.all([deps.store.getWorkflowState(taskId), ownerForCheck(deps.store, request.principal, taskId)])
        : [null, null];
      // Another team's task is not found, whether it exists or not.
      if ((existing || owner) && !canSee(request.principal, owner)) throw taskNotFound(taskId);
      if ("nodes" in body) {
        if (callback !== undefined) await assertCallbackUrl(callback, deps.callbackPolicy);
        return submitPipeline(deps, { taskId, existing, owner, nodes: body.nodes, callbackUrl: callback ?? null, principal: request.principal, uploadOutputs: body.upload_outputs }, request.log);
      }
      const { task_name: taskName, input_data: inputData } = body;
      const [plan] = await planNodes(deps, [{ task_name: taskName, input_data: inputData }], existing, { taskId, principal: request.principal });
      if (callback !== undefined) await assertCallbackUrl(callback, deps.callbackPolicy);
      const stage = existing?.stages[taskName];

      if (existing && stage?.status === "SUCCESS" && stage.output && Object.keys(stage.output).length > 0) {
        const view = await deps.store.getNodeState(taskId, taskName);
        const info = reuseInfo(taskName, view, existing);
        if (callback !== undefined) {
          if (view) await deps.store.updateWorkflowState({ ...view, input_params: { ...view.input_params, callback_url: maskSecretsInText(callback) } });
          await deps.queues.enqueueCallback({ task_id: taskId, task_name: taskName, callback_url: callback });
        }
        return {
          task_id: taskId,
          status: "completed" as const,
          message: "reused the completed result of this node",
          reuse_info: info,
          result: buildSingleNodeResult(taskName, stage),
        };
      }
      // A node pending or running without a job is not under way: its start failed (and is being
      // undone) or its job was lost; it is started again rather than reported as queued.
      const jobId = typeof stage?.["job_id"] === "string" ? stage["job_id"] : undefined;
      const underWay = (stage?.status === "PENDING" || stage?.status === "IN_PROGRESS") && jobId !== undefined && (await hasLiveJob(deps, taskName, jobId));
      if (existing && stage && underWay) {
        const view = await deps.store.getNodeState(taskId, taskName);
        const state = stage.status === "PENDING" ? ("pending" as const) : ("running" as const);
        return {
          task_id: taskId,
          status: "pending" as const,
          message: "this node is already queued or running",
          reuse_info: { ...reuseInfo(taskName, view, existing), state },
        };
      }
      const started = await startNodes(
        deps,
        {
          taskId,
          nodes: [{ taskName, inputData, dependsOn: plan?.dependsOn ?? [], previous: stage }],
          stages: existing?.stages ?? {},
          callbackUrl: callback ?? null,
          uploadOutputs: body.upload_outputs,
          createAt: existing?.create_at,
          existingTask: existing !== null,
          principal: request.principal,
          owner,
        },
        request.log,
      );
      const waitingFor = started.waiting.get(taskName) ?? [];
      return waitingFor.length > 0
        ? { task_id: taskId, status: "pending" as const, message: `task is queued; the node starts once ${waitingFor.join(", ")} succeed${waitingFor.length === 1 ? "s" : ""}` }
        : { task_id: taskId, status: "pending" as const, message: "task is queued" };
    }),
  );
}
