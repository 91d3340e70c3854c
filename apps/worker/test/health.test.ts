import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer, waitFor, type RedisServerHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineNode, serveMetrics, startWorker, type RunningWorker, type WorkerHealth } from "../src/index.js";

// The worker's /healthz must turn unhealthy when Redis stops answering (and its registry
// heartbeat goes stale), and healthy again when Redis is back; /livez only says the process runs.

let server: RedisServerHandle;
let redis: Redis;
let worker: RunningWorker;
let http: Server;
let base: string;
let root: string;

const healthz = async (): Promise<{ status: number; body: WorkerHealth }> => {
  const response = await fetch(`${base}/healthz`);
  return { status: response.status, body: (await response.json()) as WorkerHealth };
};

beforeAll(async () => {
  server = await startRedisServer();
  root = await mkdtemp(join(tmpdir(), "wf-health-"));
  redis = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
  redis.on("error", () => undefined);
  const node = defineNode({ name: "health.noop", input: z.object({}), run: async () => ({}) });
  worker = await startWorker({ nodes: [node], redis, sharedRoot: root, registryTtlSeconds: 1, logger: pino({ level: "silent" }) });
  http = await serveMetrics(worker.metrics.registry, 0, "127.0.0.1", () => worker.health());
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

/** Fails with `what` instead of hanging the hook when a step does not finish. */
const within = <T>(what: string, promise: Promise<T>, ms = 20_000): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms).unref())]);

afterAll(async () => {
  http.closeAllConnections(); // fetch keeps its connection alive
  await within("closing the health server", new Promise((resolve) => http.close(resolve)));
  await within("worker.close() after a Redis restart", worker.close());
  redis.disconnect();
  await server.stop();
  await rm(root, { recursive: true, force: true });
}, 60_000);

describe("worker health endpoints", () => {
  it("is healthy with Redis up and a fresh heartbeat", async () => {
    const { status, body } = await healthz();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "healthy", redis: "up", queues: ["health_queue"] });
    expect(body.heartbeat_age_ms).toBeLessThan(1_000);
    expect((await fetch(`${base}/livez`)).status).toBe(200);
  });

  it("turns unhealthy within the ping limit when Redis stops, stays alive, and recovers", async () => {
    await server.pause();
    const started = Date.now();
    const down = await healthz();
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: "unhealthy", redis: "down" });
    // Registrations live one second here: the heartbeat must go stale while Redis is away.
    await waitFor(async () => ((await healthz()).body.heartbeat_age_ms ?? 0) > 1_000, 5_000, "a stale heartbeat");
    expect((await fetch(`${base}/livez`)).status).toBe(200);

    await server.start();
    await waitFor(async () => (await healthz()).status === 200, 10_000, "healthy again after Redis is back");
    expect((await healthz()).body.redis).toBe("up");
  }, 30_000);

  it("answers 404 to other paths and methods", async () => {
    expect((await fetch(`${base}/other`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: "POST" })).status).toBe(404);
  });
});
