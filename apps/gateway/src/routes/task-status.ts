import type { GatewayDeps, ZodApp } from "../deps.js";
import { ErrorResponseSchema, commonErrors, TaskParamsSchema, TaskStatusResponseSchema } from "../schemas/tasks.js";
import { statusBody } from "../task-view.js";
import { requireTask } from "../tasks/require-task.js";

/** `GET /v1/tasks/:id/status`: status and single-node result of the task's newest node. */
export function registerTaskStatus(app: ZodApp, deps: GatewayDeps): void {
  app.get(
    "/v1/tasks/:id/status",
    {
      schema: {
        operationId: "getTaskStatus",
        summary: "Status of a task",
        tags: ["tasks"],
        params: TaskParamsSchema,
        response: { 200: TaskStatusResponseSchema, 400: ErrorResponseSchema, 404: ErrorResponseSchema, ...commonErrors() },
      },
    },
    async (request) => statusBody(await requireTask(deps.store, request.params.id, request.principal)),
  );
}
