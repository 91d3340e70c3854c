import { formatIssues } from "@wf/context";
import { createKeyRing } from "./auth/api-keys.js";
import { readKeysFile } from "./auth/keys-file.js";
import { isLoopbackHost } from "./auth/loopback.js";
import { keysCreate } from "./cli/keys-create.js";
import { closeServer } from "./shutdown/close-server.js";
import { connectRedis, createActiveNodes, createTeamQuotas, createKeySpace, createNodeRegistry, createStateStore, keyLayoutFor } from "@wf/state-redis";
import { openObjectStoreFromEnv } from "@wf/object-store";
import { pino } from "pino";
import { buildApp } from "./app.js";
import { startCallbackDelivery } from "./callbacks/callback-delivery.js";
import { GatewayEnvSchema } from "./config.js";
import { createGatewayMetrics } from "./metrics/gateway-metrics.js";
import { createRegistryCatalog } from "./nodes/node-catalog.js";
import { NodeQueues } from "./queues/node-queues.js";
import { clusterConflictOf, sentinelSettingsOf } from "@wf/protocol";
import { startReconciler } from "./reconcile/reconciler.js";
import { createStalledChecks } from "./reconcile/stalled-checks.js";

if (process.argv[2] === "keys") {
  if (process.argv[3] !== "create") {
    console.error("usage: wf-gateway keys create --team <team> [--role member|admin]");
    process.exit(2);
  }
  process.exit(keysCreate(process.argv.slice(4)));
}

const env = GatewayEnvSchema.safeParse(process.env);
if (!env.success) {
  console.error(`wf-gateway: invalid configuration: ${formatIssues(env.error).join("; ")}`);
  process.exit(2);
}
const config = env.data;

function fatal(error: unknown): never {
  console.error(`wf-gateway: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
const logger = pino({ name: "wf-gateway", level: config.LOG_LEVEL });
const keys = config.WF_API_KEYS_FILE ? createKeyRing(await readKeysFile(config.WF_API_KEYS_FILE).catch(fatal)) : undefined;
if (!keys && !isLoopbackHost(config.HOST) && !config.WF_ALLOW_ANONYMOUS) {
  fatal(new Error(`refusing to listen on ${config.HOST} without API keys: set WF_API_KEYS_FILE, or WF_ALLOW_ANONYMOUS=true to let anyone in`));
}
if (!keys) logger.warn({ host: config.HOST }, "no API keys configured: every client is anonymous and sees every task");
const objectStore = await openObjectStoreFromEnv(process.env).catch((error: unknown) => fatal(new Error(`the object store is configured but cannot be used: ${error instanceof Error ? error.message : String(error)}`)));
const cluster = config.WF_REDIS_CLUSTER;
const sentinel = sentinelSettingsOf(config);
const clusterConflict = clusterConflictOf(config, cluster);
if (clusterConflict) fatal(new Error(clusterConflict));
const redis = connectRedis(config.REDIS_URL, { cluster, sentinel, mode: "fail-fast" });
redis.on("error", (error: unknown) => logger.warn({ err: error }, "redis connection error"));
// BullMQ workers block on Redis and must retry forever: they get a connection of their own.
const callbackConnection = connectRedis(config.REDIS_URL, { cluster, sentinel, mode: "patient" });
callbackConnection.on("error", () => undefined);
const keyLayout = keyLayoutFor(redis);
const { queuePrefix } = createKeySpace(keyLayout);

const callbackRetry = { attempts: config.WF_CALLBACK_ATTEMPTS, backoffMs: config.WF_CALLBACK_BACKOFF_MS };
// The queues share the store's connection: the node writes, reconciler entries and jobs that
// concurrent requests send in one event-loop iteration leave in one socket write, not two.
const queues = new NodeQueues(redis, queuePrefix, callbackRetry);
const metrics = createGatewayMetrics({ defaults: true });
const store = createStateStore({ redis, logger, keyLayout, legacyKeys: config.WF_LEGACY_KEYS, onCorruptNode: () => metrics.corruptNodeState() });
const callbackPolicy = { allowPrivate: config.WF_CALLBACK_ALLOW_PRIVATE, allowedHosts: config.WF_CALLBACK_ALLOWED_HOSTS };

const active = createActiveNodes({ redis, keyLayout, scope: queuePrefix });
const quotas = keys ? createTeamQuotas({ redis, keyLayout, scope: queuePrefix }) : undefined;
const secretFor = async (taskId: string): Promise<string | undefined> => {
  const owner = keys ? await store.getTaskOwner(taskId) : null;
  return owner ? keys?.team(owner)?.callback_secret : config.WF_CALLBACK_SECRET;
};
redis.on("error", () => metrics.redisError());
const catalog = createRegistryCatalog(createNodeRegistry({ redis, keyLayout }));
const app = await buildApp(
  {
    metrics,
    store,
    queues,
    redis,
    queueUrl: config.REDIS_URL,
    sharedRoot: config.WF_SHARED_ROOT,
    inputRoots: config.WF_INPUT_ROOTS,
    ...(objectStore ? { objectStore, fileUploadMaxBytes: config.WF_FILE_UPLOAD_MAX_BYTES } : {}),
    nodes: catalog,
    callbackPolicy,
    active,
    reconcileGraceMs: config.WF_RECONCILE_GRACE_MS,
    ...(config.WF_REDIS_WAIT_REPLICAS > 0 ? { replication: { replicas: config.WF_REDIS_WAIT_REPLICAS, timeoutMs: config.WF_REDIS_WAIT_TIMEOUT_MS } } : {}),
    access: { keys, metricsToken: config.WF_METRICS_TOKEN, publicDocs: config.WF_PUBLIC_DOCS },
    ...(quotas ? { quotas } : {}),
    events: {
      connect: () => connectRedis(config.REDIS_URL, { cluster, sentinel, mode: "blocking" }),
      maxStreams: config.WF_EVENT_STREAMS_MAX,
      keepAliveMs: config.WF_EVENT_KEEPALIVE_MS,
    },
  },
  { logger, bodyLimit: config.WF_BODY_LIMIT, dashboard: config.WF_DASHBOARD },
);
const callbacks = startCallbackDelivery({
  store,
  connection: callbackConnection,
  prefix: queuePrefix,
  policy: callbackPolicy,
  timeoutMs: config.WF_CALLBACK_TIMEOUT_MS,
  secretFor,
  logger: app.log,
  onOutcome: (outcome) => metrics.callbackFinished(outcome),
});
// BullMQ takes a dead worker's job back only from a worker of its queue: the gateway runs that
// check too, so a job of a service with no live worker is not left active for ever.
const stalledChecks = createStalledChecks(callbackConnection, queuePrefix, config.WF_STALLED_INTERVAL_MS);
const reconciler = startReconciler({
  store,
  queues,
  active,
  logger: app.log,
  intervalMs: config.WF_RECONCILE_INTERVAL_MS,
  recheckMs: config.WF_RECONCILE_RECHECK_MS,
  onReconciled: (taskName) => metrics.nodeReconciled(taskName),
  stalledChecks,
  stalledIntervalMs: config.WF_STALLED_INTERVAL_MS,
  isServed: async (taskName) => (await catalog.get(taskName)) !== undefined,
});
await app.listen({ port: config.PORT, host: config.HOST });

process.on("SIGHUP", () => {
  if (!keys || !config.WF_API_KEYS_FILE) return;
  readKeysFile(config.WF_API_KEYS_FILE).then(
    (entries) => {
      keys.replace(entries);
      logger.info({ keys: entries.length }, "API keys reloaded");
    },
    (error: unknown) => logger.error({ err: error }, "could not reload the API keys; keeping the previous ones"),
  );
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: no new connections, finishing in-flight requests and callbacks");
    void closeServer(app, 10_000)
      .then(() => Promise.all([callbacks.close(), reconciler.stop()]))
      .then(() => stalledChecks.close())
      .then(() => queues.close())
      .then(() => Promise.all([redis.quit(), callbackConnection.quit()]))
      .then(() => objectStore?.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, "unclean shutdown");
        process.exit(1);
      });
  });
}
