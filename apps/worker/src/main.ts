import { formatIssues } from "@wf/context";
import { openObjectStoreFromEnv } from "@wf/object-store";
import { clusterConflictOf, sentinelSettingsOf } from "@wf/protocol";
import { connectRedis, createKeySpace, keyLayoutFor } from "@wf/state-redis";
import { pino } from "pino";
import { WorkerEnvSchema } from "./config.js";
import { serveMetrics } from "./metrics/worker-metrics.js";
import { builtinNodes } from "./nodes/builtin.js";
import { engineNodes } from "./nodes/engine-nodes.js";
import { findMediaEngines } from "./engines/find-engines.js";
import { startWorker } from "./worker.js";

const env = WorkerEnvSchema.safeParse(process.env);
if (!env.success) {
  console.error(`wf-worker: invalid configuration: ${formatIssues(env.error).join("; ")}`);
  process.exit(2);
}
const config = env.data;
const logger = pino({ name: "wf-worker", level: config.LOG_LEVEL });
const objectStore = await openObjectStoreFromEnv(process.env).catch((error: unknown) => {
  logger.fatal({ err: error }, "the object store is configured but cannot be used; not starting");
  process.exit(2);
});
if (objectStore) logger.info({ endpoint: objectStore.config.endpoint, bucket: objectStore.config.bucket }, "uploading node outputs to the object store");
const clusterConflict = clusterConflictOf(config, config.WF_REDIS_CLUSTER);
if (clusterConflict) {
  console.error(`wf-worker: invalid configuration: ${clusterConflict}`);
  process.exit(2);
}
const redis = connectRedis(config.REDIS_URL, { cluster: config.WF_REDIS_CLUSTER, sentinel: sentinelSettingsOf(config), mode: "patient" });
redis.on("error", (error: unknown) => logger.warn({ err: error }, "redis connection error"));
const keyLayout = keyLayoutFor(redis);

const engines = findMediaEngines({
  pocketsphinxPath: config.POCKETSPHINX_PATH,
  pocketsphinxModel: config.POCKETSPHINX_MODEL_DIR,
  espeakPath: config.ESPEAK_PATH,
  tesseractPath: config.TESSERACT_PATH,
  tesseractLang: config.WF_OCR_LANG,
  asrApiUrl: config.WF_ASR_API_URL,
  asrApiKey: config.WF_ASR_API_KEY,
  asrApiModel: config.WF_ASR_API_MODEL,
  asrTimeoutMs: config.WF_ASR_TIMEOUT_MS,
});
const media = engineNodes(engines);
for (const reason of media.missing) logger.warn({ reason }, "not offering a node: its engine is missing");
const worker = await startWorker({
  processMetrics: true,
  nodes: [...builtinNodes, ...media.nodes],
  redis,
  keyLayout,
  legacyKeys: config.WF_LEGACY_KEYS,
  callbackAttempts: config.WF_CALLBACK_ATTEMPTS,
  callbackBackoffMs: config.WF_CALLBACK_BACKOFF_MS,
  queuePrefix: createKeySpace(keyLayout).queuePrefix,
  concurrency: config.WF_CONCURRENCY,
  nodeTimeoutMs: config.WF_NODE_TIMEOUT_MS,
  storeRetryMs: config.WF_STORE_RETRY_MS,
  ...(config.WF_REDIS_WAIT_REPLICAS > 0 ? { replication: { replicas: config.WF_REDIS_WAIT_REPLICAS, timeoutMs: config.WF_REDIS_WAIT_TIMEOUT_MS } } : {}),
  lockDurationMs: config.WF_JOB_LOCK_MS,
  stalledIntervalMs: config.WF_STALLED_INTERVAL_MS,
  sharedRoot: config.WF_SHARED_ROOT,
  inputRoots: config.WF_INPUT_ROOTS ?? [config.WF_SHARED_ROOT],
  ffmpegPath: config.FFMPEG_PATH,
  ffprobePath: config.FFPROBE_PATH,
  downloads: {
    maxBytes: config.WF_INPUT_MAX_BYTES,
    timeoutMs: config.WF_INPUT_TIMEOUT_MS,
    policy: { allowPrivate: config.WF_INPUT_ALLOW_PRIVATE, allowedHosts: config.WF_INPUT_ALLOWED_HOSTS },
  },
  objectStore,
  resources: config.WF_RESOURCES,
  ...(config.WF_RESOURCE_SCOPE ? { resourceScope: config.WF_RESOURCE_SCOPE } : {}),
  resourceLeaseMs: config.WF_RESOURCE_LEASE_MS,
  resourceWaitMs: config.WF_RESOURCE_WAIT_MS,
  logger,
});
const metricsServer = await serveMetrics(worker.metrics.registry, config.WF_METRICS_PORT, config.WF_METRICS_HOST, () => worker.health());
logger.info({ address: metricsServer.address() }, "metrics at /metrics, health at /healthz and /livez");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "finishing running nodes, then stopping");
    void worker
      .close()
      .then(() => redis.quit())
      .then(() => objectStore?.close())
      .then(
        () =>
          new Promise((resolve) => {
            metricsServer.close(resolve);
            metricsServer.closeAllConnections(); // a scraper's keep-alive connection must not hold the exit
          }),
      )
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, "unclean shutdown");
        process.exit(1);
      });
  });
}
