import type { GatewayDeps, ZodApp } from "../deps.js";
import { ErrorResponseSchema, commonErrors, TaskParamsSchema, TaskResultResponseSchema } from "../schemas/tasks.js";
import { statusBody } from "../task-view.js";
import { requireTask } from "../tasks/require-task.js";

/**
 * `GET /v1/tasks/:id/result`: what `/status` answers (as the original does) plus `context`, the
 * full aggregated `WorkflowContext` with every node's stage.
 */
export function registerTaskResult(app: ZodApp, deps: GatewayDeps): void {
  app.get(
    "/v1/tasks/:id/result",
    {
      schema: {
        operationId: "getTaskResult",
        summary: "Status of a task plus its full state, all nodes",
        tags: ["tasks"],
        params: TaskParamsSchema,
        response: { 200: TaskResultResponseSchema, 400: ErrorResponseSchema, 404: ErrorResponseSchema, ...commonErrors() },
      },
    },
    async (request) => {
      const task = await requireTask(deps.store, request.params.id, request.principal);
      return { ...statusBody(task), context: task };
    },
  );
}
