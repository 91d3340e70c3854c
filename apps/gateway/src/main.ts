import { formatIssues } from "@wf/context";
import { createNodeRegistry, createStateStore } from "@wf/state-redis";
import { pino } from "pino";
import { buildApp } from "./app.js";
import { GatewayEnvSchema } from "./config.js";
import { NodeQueues } from "./queues/node-queues.js";
import { createFailFastRedis } from "./redis.js";
import { createRegistryCatalog } from "./nodes/node-catalog.js";

const env = GatewayEnvSchema.safeParse(process.env);
if (!env.success) {
  console.error(`wf-gateway: invalid configuration: ${formatIssues(env.error).join("; ")}`);
  process.exit(2);
}
const config = env.data;
const logger = pino({ name: "wf-gateway", level: config.LOG_LEVEL });
const redis = createFailFastRedis(config.REDIS_URL);
redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));
const queueConnection = createFailFastRedis(config.REDIS_URL);
queueConnection.on("error", () => undefined);
const queues = new NodeQueues(queueConnection);
const store = createStateStore({ redis, logger });

const app = await buildApp(
  { store, queues, redis, sharedRoot: config.WF_SHARED_ROOT, nodes: createRegistryCatalog(createNodeRegistry({ redis })) },
  { logger, bodyLimit: config.WF_BODY_LIMIT },
);
await app.listen({ port: config.PORT, host: config.HOST });

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: no new connections, finishing in-flight requests");
    void app
      .close()
      .then(() => queues.close())
      .then(() => Promise.all([redis.quit(), queueConnection.quit()]))
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, "unclean shutdown");
        process.exit(1);
      });
  });
}
