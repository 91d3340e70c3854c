import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import multipart from "@fastify/multipart";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { GatewayDeps, ZodApp } from "./deps.js";
import { installAccessControl } from "./auth/access-control.js";
import { frameworkErrorReply, installErrorHandling } from "./errors/error-handler.js";
import { acceptEmptyJsonBodies } from "./routing/empty-json-body.js";
import { createRouteMethods } from "./routing/route-methods.js";
import { createGatewayMetrics } from "./metrics/gateway-metrics.js";
import { dashboardRoot, serveDashboard } from "./dashboard/serve-dashboard.js";
import { acknowledgeReplicatedWrites } from "./replication/acknowledge-writes.js";
import { registerCancelTask } from "./routes/cancel-task.js";
import { registerCreateTask } from "./routes/create-task.js";
import { registerDeleteTask } from "./routes/delete-task.js";
import { registerFileRoutes } from "./routes/files.js";
import { registerMonitoringRoutes } from "./routes/monitoring.js";
import { registerListTasks } from "./routes/list-tasks.js";
import { registerTaskEvents } from "./routes/task-events.js";
import { registerRetryTask } from "./routes/retry-task.js";
import { registerServiceRoutes } from "./routes/service.js";
import { registerTaskResult } from "./routes/task-result.js";
import { registerTaskStatus } from "./routes/task-status.js";

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  logger?: Logger;
  /** Largest accepted body in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Serve the dashboard (`@wf/dashboard`) at `/ui/`. Default true (skipped, with a warning, when it is not built). */
  dashboard?: boolean;
}

/**
 * Builds the gateway's Fastify app (routes, validation, OpenAPI at `/docs`, error mapping)
 * without listening; `main.ts` listens, tests use `inject`.
 */
export async function buildApp(deps: GatewayDeps, options: BuildAppOptions = {}): Promise<ZodApp> {
  const metrics = deps.metrics ?? createGatewayMetrics();
  deps = { ...deps, metrics };
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    // Long enough that a long task id gets INVALID_TASK_ID; longer ones a 414 in our shape.
    // `/v1/tasks/` and `/v1/tasks` are one route, as FastAPI clients expect.
    routerOptions: { maxParamLength: 512, ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrorReply,
  }).withTypeProvider<ZodTypeProvider>();
  const routes = createRouteMethods();
  app.addHook("onRoute", (route) => routes.add(route.method, route.url));
  // Every body is JSON; anything else is a 415, not a string that fails validation later.
  app.removeContentTypeParser("text/plain");
  acceptEmptyJsonBodies(app);
  installAccessControl(app, { ...deps.access, quotas: deps.quotas });
  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by typed code; their zod schemas document them (OpenAPI) but are not
  // re-validated on every request, which would cost the hot status route a parse per answer.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandling(app, { onStoreUnavailable: () => metrics.redisError(), methodsOf: (path) => routes.methodsOf(path) });
  app.addHook("onResponse", async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: "wf gateway", description: "Create, follow and delete media-processing tasks.", version: "0.1.0" },
      tags: [
        { name: "tasks", description: "Tasks and their nodes" },
        { name: "service", description: "Health and capabilities" },
        { name: "monitoring", description: "The original's GPU lock monitoring routes, over wf's resource leases" },
        { name: "files", description: "Files in the object store (MinIO, S3), as the original's /v1/files" },
      ],
    },
    transform: jsonSchemaTransform,
    // Schemas with a meta `id` (ErrorResponse, TaskStatusResponse, …) become named components.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  // Multipart bodies are parsed only by the upload route, as a stream (never buffered).
  await app.register(multipart, { limits: { files: 1, fields: 0, parts: 1 } });
  // Where FastAPI serves it, for clients and tools of the original.
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  if (options.dashboard !== false) {
    const root = dashboardRoot();
    if (root) await serveDashboard(app, root);
    else options.logger?.warn("the dashboard (@wf/dashboard) is not built: /ui is not served");
  }

  if (deps.replication && deps.replication.replicas > 0) acknowledgeReplicatedWrites(app, deps.redis, deps.replication);
  registerCreateTask(app, deps);
  registerTaskStatus(app, deps);
  registerListTasks(app, deps);
  registerTaskEvents(app, deps);
  registerTaskResult(app, deps);
  registerDeleteTask(app, deps);
  registerCancelTask(app, deps);
  registerRetryTask(app, deps);
  registerServiceRoutes(app, deps);
  registerFileRoutes(app, deps);
  registerMonitoringRoutes(app, deps, metrics.registry);
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  return app;
}
