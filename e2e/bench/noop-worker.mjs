#!/usr/bin/env node
// A wf worker that runs no-op nodes for bench:e2e, `bench.noop` and the chain's `bench.step1..5`: the whole wf path (state
// writes, registry, cancellation listener, callbacks queue) around a node that does nothing.
import { connectRedis } from "@wf/state-redis";
import { defineNode, serveMetrics, startWorker } from "@wf/worker";
import { pino } from "pino";
import { z } from "zod";

const redis = connectRedis(process.env.REDIS_URL, { mode: "patient" });
const noop = defineNode({ name: "bench.noop", input: z.object({ n: z.number().int() }), run: async () => ({ ok: true }) });
// The pipeline row's chain: five no-op nodes, each telling when it started (its IN_PROGRESS write is just before).
const steps = [1, 2, 3, 4, 5].map((k) => defineNode({ name: `bench.step${k}`, input: z.object({ n: z.number().int() }), run: async () => ({ started_at: Date.now() }) }));
const worker = await startWorker({
  nodes: [noop, ...steps],
  redis,
  sharedRoot: process.env.WF_SHARED_ROOT,
  concurrency: Number(process.env.WF_CONCURRENCY ?? 8),
  logger: pino({ level: "silent" }),
});
const server = await serveMetrics(worker.metrics.registry, Number(process.env.WF_METRICS_PORT), "127.0.0.1");
process.stdout.write("ready\n");
process.once("SIGTERM", async () => {
  await worker.close();
  server.close();
  redis.disconnect();
  process.exit(0);
});
