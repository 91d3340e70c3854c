import { z } from "zod";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { groupByService } from "../supported-tasks.js";

/** `GET /v1/tasks/supported-tasks` and `GET /v1/tasks/health`. */
export function registerServiceRoutes(app: ZodApp, deps: GatewayDeps): void {
  app.get(
    "/v1/tasks/supported-tasks",
    {
      schema: {
        summary: "Nodes this gateway accepts, by service",
        tags: ["service"],
        response: {
          200: z.object({
            supported_tasks: z.record(z.string(), z.array(z.string())),
            total_count: z.number(),
            description: z.string(),
          }),
        },
      },
    },
    async () => ({
      supported_tasks: groupByService(deps.supportedTasks),
      total_count: deps.supportedTasks.length,
      description: "task_name values accepted by POST /v1/tasks, grouped by service (queue <service>_queue)",
    }),
  );

  app.get(
    "/v1/tasks/health",
    {
      schema: {
        summary: "Health, including Redis reachability",
        tags: ["service"],
        response: {
          200: z.object({ status: z.literal("ok"), redis: z.literal("up") }),
          503: z.object({ status: z.literal("degraded"), redis: z.literal("down") }),
        },
      },
    },
    async (_request, reply) => {
      const up = await deps.redis.ping().then(
        () => true,
        () => false,
      );
      return up
        ? reply.status(200).send({ status: "ok", redis: "up" })
        : reply.status(503).send({ status: "degraded", redis: "down" });
    },
  );
}
