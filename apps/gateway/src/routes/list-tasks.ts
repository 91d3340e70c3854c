import type { GatewayDeps, ZodApp } from "../deps.js";
import { ErrorResponseSchema, commonErrors, ListTasksQuerySchema, ListTasksResponseSchema } from "../schemas/tasks.js";
import { listVisibleTasks } from "../tasks/list-tasks.js";

/** `GET /v1/tasks`: the caller's tasks, newest first, filtered and paged. */
export function registerListTasks(app: ZodApp, deps: GatewayDeps): void {
  app.get(
    "/v1/tasks",
    {
      schema: {
        operationId: "listTasks",
        summary: "List tasks, newest first",
        description:
          "A team's key lists the team's tasks; an admin key (or a gateway without keys) lists all. Tasks are listed for as long as they live (one day).",
        tags: ["tasks"],
        querystring: ListTasksQuerySchema,
        response: { 200: ListTasksResponseSchema, 400: ErrorResponseSchema, ...commonErrors() },
      },
    },
    async (request) => listVisibleTasks(deps.store, request.principal, request.query),
  );
}
