import { z } from "zod";
import { commonErrors } from "../schemas/tasks.js";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { groupByService } from "../nodes/group-by-service.js";

/** `service` of the health answer. */
const HEALTH_SERVICE = "wf-gateway";

/** `GET /v1/tasks/supported-tasks`, `GET /v1/tasks/health` and `GET /livez`. */
export function registerServiceRoutes(app: ZodApp, deps: GatewayDeps): void {
  app.get(
    "/v1/tasks/supported-tasks",
    {
      schema: {
        operationId: "listSupportedTasks",
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
    async () => {
      const names = (await deps.nodes.list()).map((node) => node.name);
      return {
        supported_tasks: groupByService(names),
        total_count: names.length,
        description: "task_name values that live workers run, grouped by service (queue <service>_queue)",
      };
    },
  );

  app.get(
    "/v1/tasks/health",
    {
      schema: {
        operationId: "getHealth",
        summary: "Health, including Redis reachability",
        tags: ["service"],
        response: {
          200: z.object({ status: z.literal("healthy"), service: z.string(), redis: z.literal("up") }),
          503: z.object({ status: z.literal("unhealthy"), service: z.string(), redis: z.literal("down"), error: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      const up = await deps.redis.ping().then(
        () => true,
        () => false,
      );
      return up
        ? reply.status(200).send({ status: "healthy", service: HEALTH_SERVICE, redis: "up" })
        : reply.status(503).send({ status: "unhealthy", service: HEALTH_SERVICE, redis: "down", error: "Redis is unreachable" });
    },
  );

  app.get(
    "/livez",
    {
      schema: {
        operationId: "getLiveness",
        summary: "Liveness: the process answers (Redis is not checked; use /v1/tasks/health for readiness)",
        tags: ["service"],
        response: { 200: z.object({ status: z.literal("alive") }) },
      },
    },
    async () => ({ status: "alive" as const }),
  );

  app.get(
    "/v1/nodes",
    {
      schema: {
        operationId: "listNodes",
        summary: "Nodes live workers run, with the JSON Schema of each node's input_data",
        tags: ["service"],
        response: {
          200: z
            .object({
              nodes: z.array(
                z.object({
                  task_name: z.string(),
                  description: z.string().nullable(),
                  workers: z.number().describe("Live workers that run it"),
                  input_schema: z.record(z.string(), z.unknown()).describe("JSON Schema of input_data"),
                }),
              ),
            })
            .meta({ id: "NodeList" }),
          ...commonErrors(),
        },
      },
    },
    async () => ({
      nodes: (await deps.nodes.list()).map((node) => ({
        task_name: node.name,
        description: node.description ?? null,
        workers: node.workers,
        input_schema: node.inputSchema,
      })),
    }),
  );
}
