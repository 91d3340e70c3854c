import { formatIssues } from "@wf/context";
import { connectRedis, createActiveNodes, createKeySpace, createNodeRegistry, createStateStore, keyLayoutFor } from "@wf/state-redis";
import { pino } from "pino";
import { buildApp } from "./app.js";
import { startCallbackDelivery } from "./callbacks/callback-delivery.js";
import { GatewayEnvSchema } from "./config.js";
import { createGatewayMetrics } from "./metrics/gateway-metrics.js";
import { createRegistryCatalog } from "./nodes/node-catalog.js";
import { NodeQueues } from "./queues/node-queues.js";
import { startReconciler } from "./reconcile/reconciler.js";

const env = GatewayEnvSchema.safeParse(process.env);
if (!env.success) {
  console.error(`wf-gateway: invalid configuration: ${formatIssues(env.error).join("; ")}`);
  process.exit(2);
}
const config = env.data;
const logger = pino({ name: "wf-gateway", level: config.LOG_LEVEL });
const cluster = config.WF_REDIS_CLUSTER;
const redis = connectRedis(config.REDIS_URL, { cluster, mode: "fail-fast" });
redis.on("error", (error: unknown) => logger.warn({ err: error }, "redis connection error"));
const queueConnection = connectRedis(config.REDIS_URL, { cluster, mode: "fail-fast" });
queueConnection.on("error", () => undefined);
// BullMQ workers block on Redis and must retry forever: they get a connection of their own.
const callbackConnection = connectRedis(config.REDIS_URL, { cluster, mode: "patient" });
callbackConnection.on("error", () => undefined);
const keyLayout = keyLayoutFor(redis);
const { queuePrefix } = createKeySpace(keyLayout);

const callbackRetry = { attempts: config.WF_CALLBACK_ATTEMPTS, backoffMs: config.WF_CALLBACK_BACKOFF_MS };
const queues = new NodeQueues(queueConnection, queuePrefix, callbackRetry);
const metrics = createGatewayMetrics({ defaults: true });
const store = createStateStore({ redis, logger, keyLayout, legacyKeys: config.WF_LEGACY_KEYS, onCorruptNode: () => metrics.corruptNodeState() });
const callbackPolicy = { allowPrivate: config.WF_CALLBACK_ALLOW_PRIVATE, allowedHosts: config.WF_CALLBACK_ALLOWED_HOSTS };

const active = createActiveNodes({ redis, keyLayout, scope: queuePrefix });
redis.on("error", () => metrics.redisError());
const app = await buildApp(
  {
    metrics,
    store,
    queues,
    redis,
    sharedRoot: config.WF_SHARED_ROOT,
    nodes: createRegistryCatalog(createNodeRegistry({ redis, keyLayout })),
    callbackPolicy,
    active,
    reconcileGraceMs: config.WF_RECONCILE_GRACE_MS,
  },
  { logger, bodyLimit: config.WF_BODY_LIMIT },
);
const callbacks = startCallbackDelivery({
  store,
  connection: callbackConnection,
  prefix: queuePrefix,
  policy: callbackPolicy,
  timeoutMs: config.WF_CALLBACK_TIMEOUT_MS,
  logger: app.log,
  onOutcome: (outcome) => metrics.callbackFinished(outcome),
});
const reconciler = startReconciler({
  store,
  queues,
  active,
  logger: app.log,
  intervalMs: config.WF_RECONCILE_INTERVAL_MS,
  recheckMs: config.WF_RECONCILE_RECHECK_MS,
  onReconciled: (taskName) => metrics.nodeReconciled(taskName),
});
await app.listen({ port: config.PORT, host: config.HOST });

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: no new connections, finishing in-flight requests and callbacks");
    void app
      .close()
      .then(() => Promise.all([callbacks.close(), reconciler.stop()]))
      .then(() => queues.close())
      .then(() => Promise.all([redis.quit(), queueConnection.quit(), callbackConnection.quit()]))
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, "unclean shutdown");
        process.exit(1);
      });
  });
}
