import { createResourceLeases, keyLayoutFor, type ResourceLeases, type ResourceState } from "@wf/state-redis";
import type { Registry } from "prom-client";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { registerResourceGauges } from "../metrics/resource-gauges.js";
import { canSee, type Principal } from "../auth/principal.js";
import { ApiError } from "../errors/api-error.js";
import { LockHealthSchema, LockKeyQuerySchema, LockStatusSchema, ReleaseLockBodySchema, ReleaseLockResponseSchema, ResourceListSchema } from "../schemas/monitoring.js";
import { ErrorResponseSchema, commonErrors } from "../schemas/tasks.js";

/** The instance a lock key names: `gpu_lock:<n>` is `gpu:<n>` of the first machine (by scope) that has one. */
async function instanceOf(leases: ResourceLeases, lockKey: string): Promise<string | undefined> {
  const all = (await leases.instances()).map(({ instance }) => instance);
  if (lockKey.includes("/")) return all.includes(lockKey) ? lockKey : undefined;
  const name = /^gpu_lock:(.+)$/.exec(lockKey)?.[1];
  return all.find((instance) => instance.slice(instance.indexOf("/") + 1) === (name === undefined ? lockKey : `gpu:${name}`));
}

/** A resource's state as `principal` may see it: other teams' tasks are shown without their ids. */
async function visible(deps: GatewayDeps, principal: Principal, state: ResourceState) {
  const owners = new Map<string, string | null>();
  const shown = async <T extends { task_id: string; task_name: string }>(entry: T) => {
    if (principal.kind === "anonymous" || principal.admin) return entry;
    if (!owners.has(entry.task_id)) owners.set(entry.task_id, await deps.store.getTaskOwner(entry.task_id));
    return canSee(principal, owners.get(entry.task_id) ?? null) ? entry : { ...entry, task_id: null, task_name: null };
  };
  return { ...state, holders: await Promise.all(state.holders.map(shown)), waiters: await Promise.all(state.waiters.map(shown)) };
}

/**
 * The original's GPU-lock monitoring routes over wf's resource leases, and wf's view of every
 * resource instance (`GET /v1/resources`).
 */
export function registerMonitoringRoutes(app: ZodApp, deps: GatewayDeps, registry?: Registry): void {
  const leases = deps.resources ?? createResourceLeases({ redis: deps.redis, keyLayout: keyLayoutFor(deps.redis) });
  if (registry) registerResourceGauges(registry, leases);

  app.get(
    "/v1/resources",
    {
      schema: {
        operationId: "listResources",
        summary: "Shared resources (GPUs) of every machine: slots, holders and waiters",
        tags: ["service"],
        response: { 200: ResourceListSchema, ...commonErrors() },
      },
    },
    async (request) => {
      const instances = await leases.instances();
      return { resources: await Promise.all(instances.map(async ({ instance }) => visible(deps, request.principal, await leases.inspect(instance)))) };
    },
  );

  app.get(
    "/api/v1/monitoring/gpu-lock/status",
    {
      schema: {
        operationId: "getGpuLockStatus",
        summary: "The original's GPU lock status, over wf's leases",
        tags: ["monitoring"],
        querystring: LockKeyQuerySchema,
        response: { 200: LockStatusSchema, 400: ErrorResponseSchema, ...commonErrors() },
      },
    },
    async (request) => {
      const instance = await instanceOf(leases, request.query.lock_key);
      const now = Date.now();
      const state = instance ? await visible(deps, request.principal, await leases.inspect(instance)) : null;
      const first = state?.holders[0];
      return {
        lock_key: request.query.lock_key,
        is_locked: (state?.holders.length ?? 0) > 0,
        lock_holder: first?.token ?? null,
        ttl_seconds: first ? Math.max(0, Math.round((Date.parse(first.expires_at) - now) / 1000)) : null,
        timestamp: now / 1000,
        health: { status: state ? "healthy" : "unknown", waiters: state?.waiters.length ?? 0, slots: state?.slots ?? null },
        statistics: state?.stats ?? {},
        recent_history: [],
        lock_type: "lease",
        lock_age: first ? (now - Date.parse(first.since)) / 1000 : null,
        resource: state,
      };
    },
  );

  app.get(
    "/api/v1/monitoring/gpu-lock/health",
    {
      schema: {
        operationId: "getGpuLockHealth",
        summary: "The original's GPU lock health summary, over wf's leases",
        tags: ["monitoring"],
        querystring: LockKeyQuerySchema,
        response: { 200: LockHealthSchema, ...commonErrors() },
      },
    },
    async (request) => {
      const instance = await instanceOf(leases, request.query.lock_key);
      const now = Date.now();
      if (!instance) {
        return { overall_status: "unknown" as const, issues_count: 0, total_attempts: 0, success_rate: 0, timeout_rate: 0, average_execution_time: 0, recent_success_rate: 0, lock_holder: null, lock_age: null, timestamp: now / 1000 };
      }
      const state = await leases.inspect(instance);
      const attempts = state.stats.acquired + state.stats.timeouts;
      const issues = state.stats.timeouts + state.stats.lost;
      const first = state.holders[0];
      const successRate = attempts === 0 ? 1 : state.stats.acquired / attempts;
      return {
        overall_status: issues > 0 ? ("warning" as const) : ("healthy" as const),
        issues_count: issues,
        total_attempts: attempts,
        success_rate: successRate,
        timeout_rate: attempts === 0 ? 0 : state.stats.timeouts / attempts,
        average_execution_time: state.stats.acquired === 0 ? 0 : state.stats.held_ms / state.stats.acquired / 1000,
        recent_success_rate: successRate,
        lock_holder: first?.token ?? null,
        lock_age: first ? (now - Date.parse(first.since)) / 1000 : null,
        timestamp: now / 1000,
      };
    },
  );

  app.post(
    "/api/v1/monitoring/lock/release",
    {
      schema: {
        operationId: "releaseLock",
        summary: "Free one holder of a resource by its token (admin keys only)",
        tags: ["monitoring"],
        body: ReleaseLockBodySchema,
        response: { 200: ReleaseLockResponseSchema, 403: ErrorResponseSchema, 404: ErrorResponseSchema, ...commonErrors({ body: true }) },
      },
    },
    async (request) => {
      if (request.principal.kind === "team" && !request.principal.admin) throw new ApiError(403, "FORBIDDEN", "only an admin key may release another holder's lease");
      const { lock_key: lockKey, task_name: taskName, token } = request.body;
      const instance = await instanceOf(leases, lockKey);
      if (!instance) throw new ApiError(404, "RESOURCE_NOT_FOUND", `no resource instance for ${lockKey}`);
      const released = await leases.release(instance, token);
      request.log.warn({ instance, token, released }, "resource lease released by an admin");
      return {
        success: released,
        message: released ? `released ${token} of ${instance}; its node stops when it next renews` : `${token} holds no slot of ${instance}`,
        lock_key: lockKey,
        task_name: taskName,
      };
    },
  );
}
