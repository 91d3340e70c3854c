import { z } from "zod";

const Holder = z.object({ token: z.string(), task_id: z.string().nullable(), task_name: z.string().nullable(), worker: z.string(), since: z.string(), expires_at: z.string() });
const Waiter = z.object({ token: z.string(), position: z.number(), task_id: z.string().nullable(), task_name: z.string().nullable(), worker: z.string(), since: z.string() });
const Stats = z.object({ acquired: z.number(), timeouts: z.number(), lost: z.number(), held_ms: z.number(), waited_ms: z.number() });

/** One resource instance: its slots, holders (task, node, worker, since) and waiters in arrival order. */
export const ResourceStateSchema = z
  .object({ instance: z.string().describe("<scope>/<name>, e.g. gpu-host-1/gpu:0"), slots: z.number().nullable(), holders: z.array(Holder), waiters: z.array(Waiter), stats: Stats })
  .meta({ id: "ResourceState" });

/** Answer of `GET /v1/resources`. */
export const ResourceListSchema = z.object({ resources: z.array(ResourceStateSchema) }).meta({
  id: "ResourceList",
  example: {
    resources: [
      {
        instance: "gpu-host-1/gpu:0",
        slots: 1,
        holders: [{ token: "worker-1:5f0c…", task_id: "task-1", task_name: "gpua.infer", worker: "worker-1", since: "2026-12-01T12:00:00.000Z", expires_at: "2026-12-01T12:00:10.000Z" }],
        waiters: [{ token: "worker-2:9b2c…", position: 0, task_id: "task-2", task_name: "gpub.infer", worker: "worker-2", since: "2026-12-01T12:00:01.000Z" }],
        stats: { acquired: 41, timeouts: 0, lost: 0, held_ms: 40120, waited_ms: 35010 },
      },
    ],
  },
});

/** Query of the original's lock routes: `gpu_lock:<n>` (the GPU `gpu:<n>`) or an instance name. */
export const LockKeyQuerySchema = z.object({
  lock_key: z.string().min(1).max(200).default("gpu_lock:0").describe("gpu_lock:<n> (the original's key: instance gpu:<n> of the first machine that has one), or an instance <scope>/<name>"),
});

/** Answer of `GET /api/v1/monitoring/gpu-lock/status`: the original's `LockStatusResponse`, plus wf's view. */
export const LockStatusSchema = z
  .object({
    lock_key: z.string(),
    is_locked: z.boolean(),
    lock_holder: z.string().nullable().describe("The first holder's token"),
    ttl_seconds: z.number().nullable().describe("Until the first holder's lease ends unless renewed"),
    timestamp: z.number(),
    health: z.record(z.string(), z.unknown()),
    statistics: z.record(z.string(), z.unknown()),
    recent_history: z.array(z.unknown()),
    lock_type: z.string(),
    lock_age: z.number().nullable(),
    resource: ResourceStateSchema.nullable(),
  })
  .meta({ id: "LockStatus", example: { lock_key: "gpu_lock:0", is_locked: true, lock_holder: "worker-1:5f0c…", ttl_seconds: 8, timestamp: 1796040000.1, health: { status: "healthy" }, statistics: { acquired: 41, timeouts: 0 }, recent_history: [], lock_type: "lease", lock_age: 2.1, resource: null } });

/** Answer of `GET /api/v1/monitoring/gpu-lock/health`: the original's `LockHealthResponse`. */
export const LockHealthSchema = z
  .object({
    overall_status: z.enum(["healthy", "warning", "unknown"]),
    issues_count: z.number(),
    total_attempts: z.number(),
    success_rate: z.number(),
    timeout_rate: z.number(),
    average_execution_time: z.number(),
    recent_success_rate: z.number(),
    lock_holder: z.string().nullable(),
    lock_age: z.number().nullable(),
    timestamp: z.number(),
  })
  .meta({ id: "LockHealth", example: { overall_status: "healthy", issues_count: 0, total_attempts: 41, success_rate: 1, timeout_rate: 0, average_execution_time: 0.98, recent_success_rate: 1, lock_holder: null, lock_age: null, timestamp: 1796040000.1 } });

/** Body of `POST /api/v1/monitoring/lock/release`: the original's, plus the holder's token (wf frees one holder, never "the lock"). */
export const ReleaseLockBodySchema = z.object({
  lock_key: z.string().min(1).max(200),
  task_name: z.string().max(200).default("manual"),
  token: z.string().min(1).max(300).describe("The holder to free (see lock_holder or /v1/resources)"),
});

/** Answer of `POST /api/v1/monitoring/lock/release`: the original's `ManualReleaseResponse`. */
export const ReleaseLockResponseSchema = z
  .object({ success: z.boolean(), message: z.string(), lock_key: z.string(), task_name: z.string() })
  .meta({ id: "ReleaseLockResponse", example: { success: true, message: "released worker-1:5f0c… of gpu-host-1/gpu:0", lock_key: "gpu_lock:0", task_name: "manual" } });
