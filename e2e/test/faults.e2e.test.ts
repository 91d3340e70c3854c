import { once } from "node:events";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, makeTestVideo, startRedisServer, waitFor, type RedisServerHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type AppProcess } from "./processes.js";

// Faults with real processes: a redis-server of this file's own (so it can be restarted and
// filled), the gateway and worker binaries, and an HTTP input that never finishes.

const NODE_TIMEOUT_MS = 4_000;
let root: string;
let video: string;
let base: string;
let redisServer: RedisServerHandle;
let redis: Redis;
let gateway: AppProcess;
let worker: AppProcess;
let hanging: Server;
let hangingUrl: string;

async function startApps(): Promise<void> {
  const port = await freePort();
  const env = {
    REDIS_URL: redisServer.url,
    WF_SHARED_ROOT: root,
    WF_INPUT_ALLOW_PRIVATE: "true",
    WF_NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS),
    WF_RECONCILE_GRACE_MS: "1000",
    WF_RECONCILE_INTERVAL_MS: "500",
    WF_RECONCILE_RECHECK_MS: "1000",
  };
  gateway = startApp("@wf/gateway", { ...env, PORT: String(port), HOST: "127.0.0.1" });
  worker = startApp("@wf/worker", { ...env, WF_METRICS_PORT: "0" });
  base = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    const response = await fetch(`${base}/v1/tasks/supported-tasks`).catch(() => undefined);
    const body = response?.ok ? ((await response.json()) as { supported_tasks: Record<string, string[]> }) : undefined;
    // This worker's own nodes: a worker killed by an earlier file stays registered for a while.
    return (worker.output().includes("worker started") && (body?.supported_tasks["ffmpeg"]?.length ?? 0) >= 3) || undefined;
  }, 20_000, `the apps to start (gateway: ${gateway?.output()} worker: ${worker?.output()})`);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-e2e-faults-"));
  await mkdir(join(root, "inputs"), { recursive: true });
  video = await makeTestVideo(join(root, "inputs", "demo.mp4"), 1);
  // Durable: every write reaches the append-only file before Redis answers.
  redisServer = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on("error", () => undefined);
  hanging = createServer((_req, res) => res.writeHead(200, { "content-type": "video/mp4" }).write("x"));
  hanging.listen(0, "127.0.0.1");
  await once(hanging, "listening");
  hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/live.mp4`;
  await startApps();
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), worker?.stop()]);
  hanging?.closeAllConnections();
  hanging?.close();
  redis?.disconnect();
  await redisServer?.stop();
  await rm(root, { recursive: true, force: true });
});

interface Status {
  status: string;
  result: { status: string; error: string | null } | null;
}

async function create(inputData: Record<string, unknown>, taskId?: string): Promise<string> {
  const response = await fetch(`${base}/v1/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task_name: "ffmpeg.extract_audio", task_id: taskId ?? null, input_data: inputData }),
  });
  const body = (await response.json()) as { task_id: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.task_id;
}

const status = async (taskId: string): Promise<{ code: number; body: Status }> => {
  const response = await fetch(`${base}/v1/tasks/${taskId}/status`);
  return { code: response.status, body: (await response.json()) as Status };
};

const finished = (taskId: string, timeoutMs = 20_000) =>
  waitFor(async () => {
    const { body } = await status(taskId).catch(() => ({ body: undefined }));
    return body && ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
  }, timeoutMs, `task ${taskId} to finish (worker: ${worker.output().slice(-2000)})`);

const keysOf = async (taskId: string) => (await redis.keys(`*${taskId}*`)).sort();

describe("faults, with real processes", () => {
  it("a hanging input is timed out: FAILED 'timed out after …', not running for ever", async () => {
    const started = Date.now();
    const taskId = await create({ video_path: hangingUrl });
    const final = await finished(taskId);
    expect(final.status).toBe("failed");
    expect(final.result?.error).toBe("timed out after 4 s");
    expect(Date.now() - started).toBeLessThan(NODE_TIMEOUT_MS + 6_000);
  });

  it("a force delete of a running task cancels it first; it is gone and still gone 10 s later", async () => {
    const taskId = await create({ video_path: hangingUrl });
    await waitFor(async () => ((await status(taskId)).body.status === "running" ? true : undefined), 10_000, "the node to run");
    const deleted = await fetch(`${base}/v1/tasks/${taskId}/delete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ force: true }),
    });
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as { status: string }).status).toBe("success");
    expect(await keysOf(taskId)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(await keysOf(taskId)).toEqual([]);
    expect((await status(taskId)).code).toBe(404);
  }, 30_000);

  it("Redis restarted mid-run with AOF: nothing lost, nothing stuck", async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => create({ video_path: video })));
    await redisServer.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redisServer.start();
    for (const taskId of ids) expect((await finished(taskId, 40_000)).status).toBe("completed");
  }, 60_000);

  it("Redis restarted without persistence: lost tasks read as not found, none stuck, new ones run", async () => {
    await redis.config("SET", "appendonly", "no");
    const running = await create({ video_path: hangingUrl });
    await waitFor(async () => ((await status(running)).body.status === "running" ? true : undefined), 10_000, "the node to run");
    await redisServer.pause();
    // It restarts from its append-only file, which stopped before this task was created.
    await redisServer.start();
    await waitFor(async () => ((await status(running).catch(() => undefined))?.code === 404 ? true : undefined), 20_000, "the lost task to read as not found");
    const next = await create({ video_path: video });
    expect((await finished(next, 40_000)).status).toBe("completed");
    // The worker's job for the lost task is gone with Redis: nothing recreates its keys.
    await new Promise((resolve) => setTimeout(resolve, NODE_TIMEOUT_MS + 1_000));
    expect(await keysOf(running)).toEqual([]);
  }, 90_000);

  it("Redis out of memory: 503 STORE_FULL, nothing half-written; works once the limit is lifted", async () => {
    await redis.config("SET", "maxmemory-policy", "noeviction");
    const used = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
    await redis.config("SET", "maxmemory", String(used + 64 * 1024));
    for (const size of [32 * 1024, 1024, 64]) {
      for (let i = 0; ; i++) {
        if (!(await redis.set(`filler:${size}:${i}`, "x".repeat(size)).then(() => true, () => false))) break;
      }
    }
    const taskId = `task-oom-${Date.now()}`;
    const refused = await fetch(`${base}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task_name: "ffmpeg.extract_audio", task_id: taskId, input_data: { video_path: video } }),
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("STORE_FULL");
    expect(await keysOf(taskId)).toEqual([]);
    await redis.config("SET", "maxmemory", "0");
    await create({ video_path: video }, taskId);
    expect((await finished(taskId, 40_000)).status).toBe("completed");
  }, 60_000);
});
