import type { Redis } from "ioredis";
import { z } from "zod";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { ApiError } from "../errors/api-error.js";
import { followTask } from "../events/follow-task.js";
import { startSse } from "../events/sse.js";
import { commonErrors, ErrorResponseSchema, TaskParamsSchema } from "../schemas/tasks.js";
import { requireTask } from "../tasks/require-task.js";

/** A Redis stream id, as `Last-Event-ID` carries it back. */
const EVENT_ID = /^\d{1,20}-\d{1,20}$/;

const EventsHeadersSchema = z.object({
  "last-event-id": z.string().regex(EVENT_ID, "not an event id this API sent").optional().describe("Resume after this event"),
});

/**
 * `GET /v1/tasks/:id/events`: the task's node state changes as Server-Sent Events, read from the
 * task's event stream in Redis (so any replica streams what any worker writes).
 */
export function registerTaskEvents(app: ZodApp, deps: GatewayDeps): void {
  const open = new Set<AbortController>();
  const maxStreams = deps.events?.maxStreams ?? 100;
  const connect = deps.events?.connect ?? (() => {
    if (deps.redis.isCluster) throw new Error("on a Redis Cluster, pass events.connect to open the event streams' connections");
    // As connectRedis's "blocking" mode: the first command may wait for the new connection, and
    // a stream's read blocks for up to keepAliveMs, longer than a fail-fast command timeout.
    return (deps.redis as Redis).duplicate({ commandTimeout: undefined, enableOfflineQueue: true });
  });
  // Streams never end on their own while nodes run: end them before the server waits for its connections.
  app.addHook("preClose", async () => {
    for (const controller of open) controller.abort();
  });

  app.get(
    "/v1/tasks/:id/events",
    {
      schema: {
        operationId: "followTaskEvents",
        summary: "Follow a task: its node state changes as Server-Sent Events",
        description: [
          "Starts with one event per node (its current state), then one per change: data is a TaskEvent",
          "(type created | running | succeeded | failed | cancelled | callback). The stream ends with",
          "`event: end` (data {reason: finished | deleted}) once every node is final and its callback",
          "settled. Send Last-Event-ID to resume after an event instead of starting from the current state.",
          "The stream rides out Redis being away (a failover, a restart) for up to 30 s, with `: waiting for redis`",
          "comments; longer, it ends with `event: end` (data {reason: error}): reconnect with Last-Event-ID.",
        ].join(" "),
        tags: ["tasks"],
        params: TaskParamsSchema,
        headers: EventsHeadersSchema,
        response: {
          200: {
            description: "Server-Sent Events",
            content: {
              "text/event-stream": {
                schema: z
                  .string()
                  .describe("`id: <stream id>` and `data: <TaskEvent JSON>` per event, then `event: end`")
                  .meta({
                    example:
                      'id: 1796040000000-0\ndata: {"type":"running","task_id":"task-5f0c…","task_name":"ffmpeg.extract_audio","status":"IN_PROGRESS","progress":40,"error":null,"callback_status":null,"duration":null,"updated_at":"2026-11-30T12:00:00.200Z"}\n\nevent: end\ndata: {"reason":"finished"}\n\n',
                  }),
              },
            },
          },
          400: ErrorResponseSchema,
          404: ErrorResponseSchema,
          ...commonErrors(),
        },
      },
    },
    async (request, reply) => {
      const taskId = request.params.id;
      await requireTask(deps.store, taskId, request.principal);
      if (open.size >= maxStreams) throw new ApiError(503, "TOO_MANY_STREAMS", `this gateway already streams ${maxStreams} tasks; retry later`);
      const controller = new AbortController();
      const connection = connect();
      connection.on("error", () => undefined);
      open.add(controller);
      reply.hijack();
      const sse = startSse(reply.raw, { "x-request-id": String(request.id) });
      const leave = () => controller.abort();
      reply.raw.on("close", leave);
      controller.signal.addEventListener("abort", () => connection.disconnect(), { once: true });
      try {
        const end = await followTask({
          store: deps.store,
          connection,
          taskId,
          lastEventId: request.headers["last-event-id"],
          sse,
          signal: controller.signal,
          blockMs: deps.events?.keepAliveMs ?? 15_000,
          callbackWaitMs: deps.events?.callbackWaitMs ?? 120_000,
          storeOutageMs: deps.events?.storeOutageMs ?? 30_000,
        });
        if (end !== "left") sse.send({ reason: end }, { event: "end" });
      } catch (error) {
        request.log.warn({ err: error, taskId }, "task event stream failed");
        sse.send({ reason: "error" }, { event: "end" });
      } finally {
        open.delete(controller);
        reply.raw.off("close", leave);
        connection.disconnect();
        sse.end();
      }
    },
  );
}
