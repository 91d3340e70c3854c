import { maskSecretsInText } from "@wf/context";
import { keyLayoutFor, probeStoreHealth } from "@wf/state-redis";
import { z } from "zod";
import { commonErrors } from "../schemas/tasks.js";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { groupByService } from "../nodes/group-by-service.js";

/** `service` of the health answer. */
const HEALTH_SERVICE = "wf-gateway";

/** The object store's part of the health answer: its `minio_service` word, and an error when it is down. */
async function objectStoreHealth(deps: GatewayDeps): Promise<{ state: string; error?: string }> {
  if (!deps.objectStore) return { state: "not configured" };
  try {
    await deps.objectStore.check(2_000);
    return { state: "healthy" };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { state: `unhealthy: ${reason}`, error: `the object store is unavailable: ${reason}` };
  }
}

/** The original's health fields: its queue's broker (the queues' Redis) and its object store. */
const ORIGINAL_FIELDS = {
  celery_broker: z.string().describe("The job queues' Redis (password masked), as the original names its broker"),
  minio_service: z.string().describe('The object store: "not configured" (outputs stay on the shared root), "healthy", or "unhealthy: <reason>"'),
};

/** `GET /`, `GET /v1/tasks/supported-tasks`, `GET /v1/tasks/health` and `GET /livez`. */
export function registerServiceRoutes(app: ZodApp, deps: GatewayDeps): void {
  app.get(
    "/",
    {
      schema: {
        operationId: "getRoot",
        summary: "A one-line answer that the gateway runs, as the original's root",
        tags: ["service"],
        response: { 200: z.object({ message: z.string() }).meta({ id: "RootResponse", example: { message: "wf gateway is running." } }) },
      },
    },
    async () => ({ message: "wf gateway is running." }),
  );

  app.get(
    "/v1/tasks/supported-tasks",
    {
      schema: {
        operationId: "listSupportedTasks",
        summary: "Nodes this gateway accepts, by service",
        tags: ["service"],
        response: {
          200: z
            .object({
              supported_tasks: z.record(z.string(), z.array(z.string())),
              total_count: z.number(),
              description: z.string(),
            })
            .meta({
              id: "SupportedTasksResponse",
              example: { supported_tasks: { ffmpeg: ["ffmpeg.extract_audio", "ffmpeg.extract_keyframes"] }, total_count: 2, description: "task_name values that live workers run, grouped by service (queue <service>_queue)" },
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
          200: z
            .object({
              status: z.enum(["healthy", "degraded"]).describe("degraded: Redis answers but refuses writes (full, or read-only during a failover), or the object store is down (see error)"),
              service: z.string(),
              redis: z.enum(["up", "full", "read-only"]).describe("up: takes writes; full: out of memory (creates answer 503 STORE_FULL, workers wait); read-only: a replica or a failover under way"),
              error: z.string().optional().describe("Which part is down, when degraded"),
              ...ORIGINAL_FIELDS,
            })
            .meta({ id: "HealthResponse", example: { status: "healthy", service: "wf-gateway", redis: "up", celery_broker: "redis://127.0.0.1:6379", minio_service: "not configured" } }),
          503: z
            .object({ status: z.literal("unhealthy"), service: z.string(), redis: z.literal("down"), error: z.string(), ...ORIGINAL_FIELDS })
            .meta({ id: "UnhealthyResponse", example: { status: "unhealthy", service: "wf-gateway", redis: "down", error: "Redis is unreachable", celery_broker: "redis://127.0.0.1:6379", minio_service: "not configured" } }),
        },
      },
    },
    async (_request, reply) => {
      // A write, not a PING: Redis at maxmemory answers PING and refuses every write.
      const [redis, store] = await Promise.all([probeStoreHealth(deps.redis, keyLayoutFor(deps.redis)), objectStoreHealth(deps)]);
      const original = { celery_broker: deps.queueUrl === undefined ? "not configured" : maskSecretsInText(deps.queueUrl), minio_service: store.state };
      if (redis.state === "down") return reply.status(503).send({ status: "unhealthy", service: HEALTH_SERVICE, redis: "down", error: "Redis is unreachable", ...original });
      // Reads still work and nothing is lost while Redis refuses writes (workers wait it out):
      // stay ready, say it.
      if (redis.state !== "up") {
        const error = `Redis refuses writes (${redis.state === "full" ? "out of memory" : "read-only"}): ${redis.reason}`;
        return reply.status(200).send({ status: "degraded", service: HEALTH_SERVICE, redis: redis.state, error, ...original });
      }
      // The task routes still work without the store (uploads fail their nodes): stay ready, say it.
      if (store.error) return reply.status(200).send({ status: "degraded", service: HEALTH_SERVICE, redis: "up", error: store.error, ...original });
      return reply.status(200).send({ status: "healthy", service: HEALTH_SERVICE, redis: "up", ...original });
    },
  );

  app.get(
    "/livez",
    {
      schema: {
        operationId: "getLiveness",
        summary: "Liveness: the process answers (Redis is not checked; use /v1/tasks/health for readiness)",
        tags: ["service"],
        response: { 200: z.object({ status: z.literal("alive") }).meta({ id: "LivenessResponse", example: { status: "alive" } }) },
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
            .meta({
              id: "NodeList",
              example: {
                nodes: [
                  { task_name: "ffmpeg.extract_audio", description: null, workers: 2, input_schema: { type: "object", properties: { video_path: { type: "string" } }, required: ["video_path"] } },
                ],
              },
            }),
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

  app.get(
    "/v1/services",
    {
      schema: {
        operationId: "listServices",
        summary: "Each service with live workers: its nodes, live workers, and its queue's job counts",
        tags: ["service"],
        response: {
          200: z
            .object({
              services: z.array(
                z.object({
                  service: z.string(),
                  queue: z.string().describe("<service>_queue"),
                  nodes: z.array(z.string()),
                  workers: z.number().describe("Live workers of the service (the most of any of its nodes)"),
                  jobs: z.object({ waiting: z.number(), active: z.number(), delayed: z.number(), failed: z.number(), completed: z.number() }),
                }),
              ),
            })
            .meta({
              id: "ServiceList",
              example: {
                services: [{ service: "ffmpeg", queue: "ffmpeg_queue", nodes: ["ffmpeg.extract_audio"], workers: 2, jobs: { waiting: 3, active: 4, delayed: 0, failed: 0, completed: 120 } }],
              },
            }),
          ...commonErrors(),
        },
      },
    },
    async () => {
      const nodes = await deps.nodes.list();
      const byService = groupByService(nodes.map((node) => node.name));
      const services = await Promise.all(
        Object.entries(byService).map(async ([service, names]) => ({
          service,
          queue: `${service}_queue`,
          nodes: names,
          workers: Math.max(0, ...nodes.filter((node) => names.includes(node.name)).map((node) => node.workers)),
          jobs: await deps.queues.depth(service),
        })),
      );
      return { services };
    },
  );
}
