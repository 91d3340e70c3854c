import { randomBytes, randomUUID } from "node:crypto";
import { buildSingleNodeResult, maskSecrets, type WorkflowContext } from "@wf/context";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { ApiError } from "../errors/api-error.js";
import { CreateTaskBodySchema, CreateTaskResponseSchema, ErrorResponseSchema } from "../schemas/tasks.js";
import { taskFolder } from "../storage/task-folder.js";

/** `POST /v1/tasks`: reuse a finished or running node, or write it as pending and enqueue it. */
export function registerCreateTask(app: ZodApp, deps: GatewayDeps): void {
  app.post(
    "/v1/tasks",
    {
      schema: {
        summary: "Run a node for a task",
        tags: ["tasks"],
        body: CreateTaskBodySchema,
        response: { 200: CreateTaskResponseSchema, 400: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
    },
    async (request) => {
      const { task_name: taskName, input_data: inputData, callback } = request.body;
      const node = await deps.nodes.get(taskName);
      if (!node) {
        throw new ApiError(400, "UNKNOWN_TASK_NAME", `task_name ${taskName} is not run by any live worker; see GET /v1/tasks/supported-tasks`);
      }
      const issues = node.validate(inputData);
      if (issues.length > 0) {
        throw new ApiError(400, "INVALID_INPUT", `invalid input_data for ${taskName}: ${issues.join("; ")}`, issues.map((issue) => `input_data.${issue}`));
      }
      const taskId = request.body.task_id ?? `task-${randomUUID()}`;
      const existing = await deps.store.getWorkflowState(taskId);
      const stage = existing?.stages[taskName];

      if (stage?.status === "SUCCESS" && stage.output && Object.keys(stage.output).length > 0) {
        return {
          task_id: taskId,
          status: "completed" as const,
          message: "reused the completed result of this node",
          reuse_info: { reused: true as const, task_name: taskName, previous_status: stage.status },
          result: buildSingleNodeResult(taskName, stage),
        };
      }
      if (stage?.status === "PENDING" || stage?.status === "IN_PROGRESS") {
        return {
          task_id: taskId,
          status: "pending" as const,
          message: "this node is already queued or running",
          reuse_info: { reused: true as const, task_name: taskName, previous_status: stage.status },
        };
      }

      const masked = maskSecrets(inputData);
      // One id per attempt: lets a cancel find the job and a retry find the unmasked input.
      const jobId = `${taskId}.${taskName}.${randomBytes(4).toString("hex")}`;
      const pending: WorkflowContext = {
        workflow_id: taskId,
        create_at: existing?.create_at ?? new Date().toISOString(),
        status: "pending",
        input_params: { task_name: taskName, input_data: masked, callback_url: callback ?? null },
        shared_storage_path: taskFolder(deps.sharedRoot, taskId),
        stages: { [taskName]: { status: "PENDING", input_params: masked, output: null, error: null, duration: null, job_id: jobId } },
        error: null,
      };
      await deps.store.createWorkflowState(pending);
      try {
        await deps.queues.enqueue({ task_id: taskId, task_name: taskName, input_data: inputData }, jobId);
      } catch (error) {
        request.log.error({ err: error, taskId }, "could not enqueue node job");
        const message = "could not enqueue the node job; the queue is unavailable";
        await deps.store
          .updateWorkflowState({ ...pending, status: "failed", error: `${taskName} failed: ${message}`, stages: { [taskName]: { status: "FAILED", error: message } } })
          .catch(() => undefined);
        throw new ApiError(503, "QUEUE_UNAVAILABLE", message);
      }
      return { task_id: taskId, status: "pending" as const, message: "task is queued" };
    },
  );
}
