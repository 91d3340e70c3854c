import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createActiveNodes, createNodeRegistry, createStateStore, type ActiveNodes, type StateStore } from "@wf/state-redis";
import { Queue } from "bullmq";
import { z } from "zod";
import type { Redis } from "ioredis";
import { buildApp } from "../src/app.js";
import type { WorkflowContext } from "@wf/context";
import type { UrlPolicy } from "@wf/protocol";
import type { ZodApp } from "../src/deps.js";
import { NodeQueues } from "../src/queues/node-queues.js";
import { createFailFastRedis } from "../src/redis.js";
import { createRegistryCatalog } from "../src/nodes/node-catalog.js";
import { createGatewayMetrics } from "../src/metrics/gateway-metrics.js";

/** A gateway app on a real Redis and real BullMQ queues under a prefix of its own. */
export interface Harness {
  app: ZodApp;
  redis: Redis;
  store: StateStore;
  queues: NodeQueues;
  active: ActiveNodes;
  /** A node's stored view, which the test expects to exist (it throws otherwise). */
  nodeView(taskId: string, taskName?: string): Promise<WorkflowContext>;
  /** A BullMQ view of this harness's `ffmpeg_queue`, to inspect the jobs the gateway adds. */
  ffmpegQueue: Queue;
  prefix: string;
  sharedRoot: string;
  close(): Promise<void>;
}

export async function startHarness(
  redisUrl: string,
  options: { callbackPolicy?: UrlPolicy; callbackBackoffMs?: number; reconcileGraceMs?: number; queueRedisUrl?: string; inputRoots?: (sharedRoot: string) => string[]; replication?: { replicas: number; timeoutMs: number }; events?: { storeOutageMs?: number } } = {},
): Promise<Harness> {
  const redis = createFailFastRedis(redisUrl);
  redis.on("error", () => undefined);
  const queueConnection = createFailFastRedis(options.queueRedisUrl ?? redisUrl);
  queueConnection.on("error", () => undefined);
  // The fail-fast client refuses commands until connected: wait for it, as a long-running gateway would.
  await Promise.all([redis, queueConnection].map((client) => (client.status === "ready" ? undefined : new Promise((resolve) => client.once("ready", resolve)))));
  const prefix = `wf-test-${randomUUID()}`;
  const queues = new NodeQueues(queueConnection, prefix, { attempts: 5, backoffMs: options.callbackBackoffMs ?? 1_000 });
  // Wired as main.ts wires them.
  const metrics = createGatewayMetrics();
  const store = createStateStore({ redis, onCorruptNode: () => metrics.corruptNodeState() });
  const sharedRoot = await mkdtemp(join(tmpdir(), "wf-gateway-"));
  // Register the node the way a worker does, so the gateway's catalog is the real one.
  const registry = createNodeRegistry({ redis });
  const workerId = `harness-${randomUUID()}`;
  const inputSchema = z.toJSONSchema(z.object({ video_path: z.string().min(1) }), { io: "input" }) as Record<string, unknown>;
  await registry.publish(workerId, [{ name: "ffmpeg.extract_audio", inputSchema }], 600);
  const nodes = createRegistryCatalog(registry);
  const callbackPolicy = options.callbackPolicy ?? { allowPrivate: false, allowedHosts: [] };
  // Scoped like the queues: a reconciler only ever checks the nodes of its own queues.
  const active = createActiveNodes({ redis, scope: prefix });
  const ffmpegQueue = new Queue("ffmpeg_queue", { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix });
  const reconcileGraceMs = options.reconcileGraceMs ?? 30_000;
  const inputRoots = options.inputRoots?.(sharedRoot);
  const app = await buildApp({ store, queues, redis, sharedRoot, inputRoots, nodes, callbackPolicy, metrics, active, reconcileGraceMs, ...(options.replication ? { replication: options.replication } : {}), ...(options.events ? { events: options.events } : {}) }, { bodyLimit: 64 * 1024 });
  await app.ready();
  return {
    app,
    redis,
    store,
    queues,
    active,
    ffmpegQueue,
    async nodeView(taskId, taskName = "ffmpeg.extract_audio") {
      const view = await store.getNodeState(taskId, taskName);
      if (!view) throw new Error(`node ${taskName} of ${taskId} should exist`);
      return view;
    },
    prefix,
    sharedRoot,
    async close() {
      await registry.withdraw(workerId, ["ffmpeg.extract_audio"]).catch(() => undefined);
      await app.close();
      await ffmpegQueue.close();
      await queues.close();
      redis.disconnect();
      queueConnection.disconnect();
      await rm(sharedRoot, { recursive: true, force: true });
    },
  };
}
