import { randomBytes } from "node:crypto";
import { MAX_TASK_ID_LENGTH, SECRET_MASK, dependenciesOfStage } from "@wf/context";
import { z } from "zod";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { idempotent } from "../idempotency/idempotency.js";
import { ApiError } from "../errors/api-error.js";
import { commonErrors, ErrorResponseSchema, TaskParamsSchema } from "../schemas/tasks.js";
import { planNodes } from "../tasks/plan-nodes.js";
import { startNode } from "../tasks/start-node.js";
import { submitPipeline } from "../tasks/submit-pipeline.js";
import { taskStatusOfView } from "../task-view.js";
import { ownerForCheck, requireTask } from "../tasks/require-task.js";

const RetryTaskResponseSchema = z.object({
  task_id: z.string().describe("The new task, <id>-retry-<8 hex>"),
  status: z.literal("pending"),
  message: z.string(),
  retry_of: z.string(),
}).meta({ id: "RetryTaskResponse", example: { task_id: "task-5f0c…-retry-1a2b3c4d", status: "pending", message: "retry queued", retry_of: "task-5f0c…" } });

function containsMask(value: unknown): boolean {
  if (typeof value === "string") return value.includes(SECRET_MASK);
  if (Array.isArray(value)) return value.some(containsMask);
  return value !== null && typeof value === "object" && Object.values(value).some(containsMask);
}

/**
 * `POST /v1/tasks/:id/retry`: runs the task again as a new task `<id>-retry-<8 hex>`: every node
 * of it (one node, or a whole pipeline with its dependencies), each with its original input (taken
 * from the queued job, which still holds secrets that Redis masks).
 */
export function registerRetryTask(app: ZodApp, deps: GatewayDeps): void {
  app.post(
    "/v1/tasks/:id/retry",
    {
      schema: {
        operationId: "retryTask",
        summary: "Re-run a failed or completed task (every node of it) as a new task",
        tags: ["tasks"],
        params: TaskParamsSchema,
        response: { 200: RetryTaskResponseSchema, 400: ErrorResponseSchema, 404: ErrorResponseSchema, 409: ErrorResponseSchema, ...commonErrors({ body: true }) },
      },
    },
    async (request, reply) => idempotent(deps, request, reply, "retry", async () => {
      const taskId = request.params.id;
      const task = await requireTask(deps.store, taskId, request.principal);
      const status = taskStatusOfView(task);
      if (status !== "failed" && status !== "completed") {
        throw new ApiError(409, "TASK_NOT_RETRIABLE", `task ${taskId} is ${status}; only failed or completed tasks can be retried`);
      }
      const retryId = `${taskId}-retry-${randomBytes(4).toString("hex")}`;
      if (retryId.length > MAX_TASK_ID_LENGTH) {
        throw new ApiError(400, "INVALID_TASK_ID", `the retry id of ${taskId} would exceed ${MAX_TASK_ID_LENGTH} characters`);
      }
      // Every node of the task runs again, each with its original input (taken from its queued
      // job, which still holds the secrets that Redis masks) and its dependencies.
      const names = Object.keys(task.stages);
      if (names.length === 0) throw new ApiError(409, "TASK_NOT_RETRIABLE", `task ${taskId} has no node to run again`);
      const originals = await Promise.all(
        names.map(async (taskName) => {
          const stage = task.stages[taskName];
          const jobId = stage?.["job_id"];
          const queued = typeof jobId === "string" ? await deps.queues.jobData(taskName, jobId) : undefined;
          const inputData = queued?.input_data ?? (await deps.store.getNodeState(taskId, taskName))?.input_params.input_data ?? stage?.input_params ?? {};
          if (!queued && containsMask(inputData)) {
            throw new ApiError(409, "RETRY_INPUT_UNAVAILABLE", `the original input of ${taskName} on ${taskId} had secrets and is no longer kept; submit it again`);
          }
          const after = dependenciesOfStage(stage).filter((name) => names.includes(name));
          return { node: { task_name: taskName, input_data: inputData, ...(after.length > 0 ? { after } : {}) }, callbackUrl: queued ? (queued.callback_url ?? null) : undefined };
        }),
      );
      const callbackUrl = originals.find((original) => original.callbackUrl != null)?.callbackUrl ?? task.input_params.callback_url ?? null;
      // The retry belongs to the task's team, also when an admin starts it.
      const owner = await ownerForCheck(deps.store, request.principal, taskId);
      const nodes = originals.map((original) => original.node);
      const uploadOutputs = Object.values(task.stages).some((stage) => stage["upload_outputs"] === false) ? false : undefined;
      if (nodes.length === 1 && nodes[0]) {
        const [plan] = await planNodes(deps, nodes, null, { taskId: retryId, principal: request.principal });
        if (plan) await startNode(deps, { taskId: retryId, taskName: plan.taskName, inputData: plan.inputData, callbackUrl, existingTask: false, principal: request.principal, owner, uploadOutputs }, request.log);
      } else {
        await submitPipeline(deps, { taskId: retryId, existing: null, owner, nodes, callbackUrl, principal: request.principal, uploadOutputs }, request.log);
      }
      return { task_id: retryId, status: "pending" as const, message: "retry queued", retry_of: taskId };
    }),
  );
}
