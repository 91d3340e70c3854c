import type { GatewayDeps, ZodApp } from "../deps.js";
import { ErrorResponseSchema, TaskParamsSchema, TaskStatusResponseSchema } from "../schemas/tasks.js";
import { statusMessage, taskStatusOfView, viewResult } from "../task-view.js";
import { requireTask } from "../tasks/require-task.js";

/** `GET /v1/tasks/:id/status`: status and single-node result of the task's newest node. */
export function registerTaskStatus(app: ZodApp, deps: GatewayDeps): void {
  app.get(
    "/v1/tasks/:id/status",
    {
      schema: {
        summary: "Status of a task",
        tags: ["tasks"],
        params: TaskParamsSchema,
        response: { 200: TaskStatusResponseSchema, 400: ErrorResponseSchema, 404: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
    },
    async (request) => {
      const task = await requireTask(deps.store, request.params.id);
      const status = taskStatusOfView(task);
      return {
        task_id: task.workflow_id,
        status,
        message: statusMessage(status, task.error),
        result: viewResult(task),
        minio_files: task["minio_files"] ?? null,
        create_at: task.create_at ?? null,
        updated_at: task.updated_at ?? null,
        callback_status: typeof task["callback_status"] === "string" ? task["callback_status"] : null,
      };
    },
  );
}
