import { CanonicalWorkflowContextSchema } from "@wf/context";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { ErrorResponseSchema, TaskParamsSchema } from "../schemas/tasks.js";
import { requireTask } from "../tasks/require-task.js";

/** `GET /v1/tasks/:id/result`: the full aggregated `WorkflowContext` (every node's stage). */
export function registerTaskResult(app: ZodApp, deps: GatewayDeps): void {
  app.get(
    "/v1/tasks/:id/result",
    {
      schema: {
        summary: "Full state of a task, all nodes",
        tags: ["tasks"],
        params: TaskParamsSchema,
        response: { 200: CanonicalWorkflowContextSchema, 400: ErrorResponseSchema, 404: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
    },
    async (request) => {
      const task = await requireTask(deps.store, request.params.id);
      return task;
    },
  );
}
