import { resolve } from "node:path";
import { ObjectStoreEnvSchema } from "@wf/object-store";
import { RedisEnvSchema } from "@wf/protocol";
import { z } from "zod";

/** Environment of `wf-gateway`, validated at start-up. */
export const GatewayEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  /** Loopback by default: a gateway reachable from other machines needs API keys (or WF_ALLOW_ANONYMOUS). */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** JSON file of API key entries (`wf-gateway keys create` prints them); reloaded on SIGHUP. */
  WF_API_KEYS_FILE: z.string().min(1).optional(),
  /** Serve a non-loopback HOST without API keys: any client may then read and delete any task. */
  WF_ALLOW_ANONYMOUS: z.stringbool().default(false),
  /** Signs the callbacks of tasks created without a key (anonymous mode). */
  WF_CALLBACK_SECRET: z.string().min(16).optional(),
  /** Bearer token `/metrics` requires; open (on HOST) when unset. */
  WF_METRICS_TOKEN: z.string().min(16).optional(),
  /** Serve `/docs` and `/openapi.json` without a key. */
  WF_PUBLIC_DOCS: z.stringbool().default(true),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** REDIS_URL names one node of a Redis Cluster: keys are hash-tagged, queues use the `{bull}` prefix. */
  WF_REDIS_CLUSTER: z.stringbool().default(false),
  WF_SHARED_ROOT: z.string().min(1).default("/share/workflows").transform((path) => resolve(path)),
  /** The workers' colon-separated input roots: local input paths outside them are refused at create. Unset: the workers alone check. */
  WF_INPUT_ROOTS: z
    .string()
    .transform((value) => value.split(":").filter(Boolean).map((path) => resolve(path)))
    .optional(),
  /** Largest accepted request body, in bytes. */
  WF_BODY_LIMIT: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** Let callbacks reach loopback, private and link-local addresses (tests, private networks). */
  WF_CALLBACK_ALLOW_PRIVATE: z.stringbool().default(false),
  /** Comma-separated host names or IPs that callbacks may reach whatever they resolve to. */
  WF_CALLBACK_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((host) => host.trim()).filter(Boolean)),
  WF_CALLBACK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  WF_CALLBACK_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  WF_CALLBACK_BACKOFF_MS: z.coerce.number().int().min(10).default(1_000),
  /**
   * Also read and delete the `{task_id}:{service}:{function}` keys of the shipped Python state
   * manager (a migration running both side by side). Adds a SCAN per read: off by default.
   */
  WF_LEGACY_KEYS: z.stringbool().default(false),
  /** Reconciler timing (see the README's guarantees): first check after a start, wake-up period, re-check of live jobs. */
  WF_RECONCILE_GRACE_MS: z.coerce.number().int().min(100).default(30_000),
  WF_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  WF_RECONCILE_RECHECK_MS: z.coerce.number().int().min(100).default(60_000),
  /** Period of the stalled-job checks the gateway runs on queues with a node whose worker is gone (BullMQ's `stalledInterval`). */
  WF_STALLED_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** Task event streams (`GET /v1/tasks/:id/events`) one gateway serves at once; each holds a Redis connection. */
  WF_EVENT_STREAMS_MAX: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Longest silence on a task event stream before a keep-alive comment (and a check that the task still exists). */
  WF_EVENT_KEEPALIVE_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** Largest file `POST /v1/files/upload` accepts, in bytes (streamed, never held in memory). */
  WF_FILE_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1).default(5 * 1024 ** 3),
  /** Serve the dashboard at `/ui/`. */
  WF_DASHBOARD: z.stringbool().default(true),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The object store: the original's MINIO_* settings or S3_* ones (see `@wf/object-store`); none when unset. */
  ...ObjectStoreEnvSchema.shape,
  /** Redis Sentinel and acknowledged writes (`WAIT`), as the worker reads them. */
  ...RedisEnvSchema.shape,
});

/** Validated gateway configuration. */
export type GatewayEnv = z.output<typeof GatewayEnvSchema>;
