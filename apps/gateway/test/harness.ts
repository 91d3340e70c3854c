import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStateStore, type StateStore } from "@wf/state-redis";
import type { Redis } from "ioredis";
import { buildApp } from "../src/app.js";
import type { ZodApp } from "../src/deps.js";
import { NodeQueues } from "../src/queues/node-queues.js";
import { createFailFastRedis } from "../src/redis.js";
import { DEFAULT_SUPPORTED_TASKS } from "../src/supported-tasks.js";

/** A gateway app on a real Redis and real BullMQ queues under a prefix of its own. */
export interface Harness {
  app: ZodApp;
  redis: Redis;
  store: StateStore;
  queues: NodeQueues;
  prefix: string;
  sharedRoot: string;
  close(): Promise<void>;
}

export async function startHarness(redisUrl: string): Promise<Harness> {
  const redis = createFailFastRedis(redisUrl);
  redis.on("error", () => undefined);
  const queueConnection = createFailFastRedis(redisUrl);
  queueConnection.on("error", () => undefined);
  await redis.ping().catch(() => undefined);
  const prefix = `wf-test-${randomUUID()}`;
  const queues = new NodeQueues(queueConnection, prefix);
  const store = createStateStore({ redis });
  const sharedRoot = await mkdtemp(join(tmpdir(), "wf-gateway-"));
  const app = await buildApp({ store, queues, redis, sharedRoot, supportedTasks: DEFAULT_SUPPORTED_TASKS }, { bodyLimit: 64 * 1024 });
  await app.ready();
  return {
    app,
    redis,
    store,
    queues,
    prefix,
    sharedRoot,
    async close() {
      await app.close();
      await queues.close();
      redis.disconnect();
      queueConnection.disconnect();
      await rm(sharedRoot, { recursive: true, force: true });
    },
  };
}
