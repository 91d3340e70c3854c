import type { ObjectStore } from "@wf/object-store";
import type { ActiveNodes, RedisConnection, ResourceLeases, StateStore, TeamQuotas } from "@wf/state-redis";
import type { AccessOptions } from "./auth/access-control.js";
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { UrlPolicy } from "@wf/protocol";
import type { GatewayMetrics } from "./metrics/gateway-metrics.js";
import type { NodeCatalog } from "./nodes/node-catalog.js";
import type { NodeQueues } from "./queues/node-queues.js";

/** What the gateway's routes need; built once in `main.ts` (or by an embedding service). */
export interface GatewayDeps {
  store: StateStore;
  queues: NodeQueues;
  /** Used for the health check only; state goes through `store`. */
  redis: RedisConnection;
  /** The job queues' Redis URL, shown (password masked) as the health answer's `celery_broker`. */
  queueUrl?: string;
  /** Root of the task folders; must match the workers' `WF_SHARED_ROOT`. */
  sharedRoot: string;
  /**
   * The workers' input roots (`WF_INPUT_ROOTS`): a local input path outside them is refused at
   * create (400). Unchecked when omitted; the workers check them anyway.
   */
  inputRoots?: readonly string[] | undefined;
  /**
   * The object store (MinIO, S3) the workers upload outputs to: serves `/v1/files`, is cleaned by
   * task deletes and checked by the health route. Without it those routes answer 503 and
   * `minio_service` is "not configured".
   */
  objectStore?: ObjectStore;
  /** The workers' shared-resource leases (GPUs), shown by the monitoring routes; made from `redis` when omitted. */
  resources?: ResourceLeases;
  /** Largest `/v1/files/upload`, in bytes. Default 5 GiB. */
  fileUploadMaxBytes?: number;
  /** The nodes workers have registered; the gateway accepts only these, with valid input. */
  nodes: NodeCatalog;
  /** Where callbacks may go; checked when a task is created and again before each delivery. */
  callbackPolicy: UrlPolicy;
  /**
   * The started nodes the reconciler checks against their jobs (see `startReconciler`); each
   * create records its node here. Omit it only where no reconciler runs.
   */
  active?: ActiveNodes;
  /** How long after its start a node is first checked by the reconciler. Default 30 s. */
  reconcileGraceMs?: number;
  /** API keys, per-team quotas and guarded endpoints; anonymous and open when omitted. */
  access?: AccessOptions;
  /** Per-team quotas (requests per second, active nodes), shared by every replica through Redis. */
  quotas?: TeamQuotas;
  /** Signs callbacks of tasks without a team (anonymous mode): `WF_CALLBACK_SECRET`. */
  callbackSecret?: string;
  /** Prometheus metrics served at `/metrics`; a fresh set when omitted. */
  metrics?: GatewayMetrics;
  /**
   * Answer a create, retry, cancel or delete only once its writes reached this many replicas
   * (`WAIT`); 503 `STORE_NOT_REPLICATED` past the timeout. Off when omitted.
   */
  replication?: { replicas: number; timeoutMs: number };
  /** The task event streams (`GET /v1/tasks/:id/events`). */
  events?: EventStreamOptions;
}

/** Options of the task event streams. */
export interface EventStreamOptions {
  /**
   * Opens the connection one stream blocks on (`XREAD BLOCK`); closed when the stream ends.
   * Default: `redis.duplicate()` without a command timeout (on a Cluster, required).
   */
  connect?: () => RedisConnection;
  /** Streams one gateway serves at once; more are refused with 503 `TOO_MANY_STREAMS`. Default 100. */
  maxStreams?: number;
  /** Longest silence before a keep-alive comment. Default 15 s. */
  keepAliveMs?: number;
  /** How long a stream waits for callbacks once every node is final. Default 120 s. */
  callbackWaitMs?: number;
  /**
   * How long an open stream rides out Redis refusing or out of reach (a failover, a restart)
   * before it ends with `event: end` `{reason: "error"}`. Default 30 s.
   */
  storeOutageMs?: number;
}

/** The Fastify instance type the routes are written against (zod schemas as types). */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
