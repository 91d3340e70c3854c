import { connectionEpoch, type RedisConnection } from "@wf/state-redis";
import type { ZodApp } from "../deps.js";

/** How many replicas a write must reach before the gateway answers it, and for how long it waits. */
export interface ReplicationOptions {
  replicas: number;
  timeoutMs: number;
}

/** The routes whose success means "your task is kept" (or "your cancel/delete took"). */
const ACKNOWLEDGED = new Set(["POST /v1/tasks", "POST /v1/tasks/:id/retry", "DELETE /v1/tasks/:id", "POST /v1/tasks/:id/delete"]);

/**
 * Makes a successful create, retry, cancel or delete answer only once its writes reached
 * `replicas` replicas (`WAIT` on the connection that sent them: it covers every write that
 * connection sent before), so a failover right after the answer cannot lose what the client was
 * told. A write that did not reach them in `timeoutMs` is answered 503 `STORE_NOT_REPLICATED`:
 * it may still be kept, so the client retries it (with its `Idempotency-Key`, or the same
 * `task_id`, a retry starts nothing twice).
 */
export function acknowledgeReplicatedWrites(app: ZodApp, redis: RedisConnection, options: ReplicationOptions): void {
  const startEpochs = new WeakMap<object, number>();
  connectionEpoch(redis);
  app.addHook("onRequest", async (request) => {
    startEpochs.set(request, connectionEpoch(redis));
  });
  app.addHook("onSend", async (request, reply, payload) => {
    if (reply.statusCode >= 300 || !ACKNOWLEDGED.has(`${request.method} ${request.routeOptions.url ?? ""}`)) return payload;
    let acknowledged = 0;
    let reason = "";
    try {
      acknowledged = Number(await redis.wait(options.replicas, options.timeoutMs));
      // WAIT speaks for its own connection's writes only: a reconnect during the request (a
      // failover) leaves the writes sent before it unvouched for.
      if (connectionEpoch(redis) !== startEpochs.get(request)) {
        acknowledged = 0;
        reason = ": the connection to Redis was replaced during the request (a failover?)";
      }
    } catch (error) {
      reason = `: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (acknowledged >= options.replicas) return payload;
    const message = `the write reached ${acknowledged} of ${options.replicas} replicas within ${options.timeoutMs} ms${reason}; it may or may not be kept: retry it`;
    request.log.warn({ acknowledged, replicas: options.replicas }, "a write was not replicated in time");
    reply.code(503).header("content-type", "application/json; charset=utf-8").header("retry-after", "1");
    return JSON.stringify({ error: { code: "STORE_NOT_REPLICATED", message }, detail: message });
  });
}
