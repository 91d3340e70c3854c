import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, makeTestVideo, startRedisServer, waitFor, type RedisServerHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type AppProcess } from "./processes.js";

// Redis refusing every write for 20 s (maxmemory below what it uses) while 20 tasks are under way:
// nothing fails, nothing that finished runs again, and health says degraded meanwhile.

const TASKS = 20;
const FULL_MS = 20_000;
let root: string;
let video: string;
let base: string;
let redisServer: RedisServerHandle;
let redis: Redis;
let gateway: AppProcess;
let worker: AppProcess;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-e2e-memory-"));
  await mkdir(join(root, "inputs"), { recursive: true });
  video = await makeTestVideo(join(root, "inputs", "demo.mp4"), 3);
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on("error", () => undefined);
  const port = await freePort();
  const env = { REDIS_URL: redisServer.url, WF_SHARED_ROOT: root, WF_INPUT_ROOTS: root };
  gateway = startApp("@wf/gateway", { ...env, PORT: String(port), HOST: "127.0.0.1" });
  worker = startApp("@wf/worker", { ...env, WF_METRICS_PORT: "0", WF_CONCURRENCY: "2" });
  base = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    const response = await fetch(`${base}/v1/tasks/supported-tasks`).catch(() => undefined);
    const body = response?.ok ? ((await response.json()) as { supported_tasks: Record<string, string[]> }) : undefined;
    return (worker.output().includes("worker started") && (body?.supported_tasks["ffmpeg"]?.length ?? 0) >= 3) || undefined;
  }, 20_000, "the apps to start");
}, 60_000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), worker?.stop()]);
  redis?.disconnect();
  await redisServer?.stop();
  await rm(root, { recursive: true, force: true });
});

const health = async () => (await (await fetch(`${base}/v1/tasks/health`)).json()) as { status: string; redis: string; error?: string };

describe("Redis out of memory while tasks run", () => {
  it(`maxmemory below use for ${FULL_MS / 1000} s under ${TASKS} tasks: all complete, none runs twice, health degraded meanwhile`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const response = await fetch(`${base}/v1/tasks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task_name: "ffmpeg.extract_audio", input_data: { video_path: video } }),
      });
      expect(response.status).toBe(200);
      ids.push(((await response.json()) as { task_id: string }).task_id);
    }
    // Some nodes run, the rest are queued: then Redis refuses every write.
    await waitFor(async () => (worker.output().includes('"msg":"node succeeded"') ? true : undefined), 20_000, "a first node to finish");
    await redis.config("SET", "maxmemory-policy", "noeviction");
    await redis.config("SET", "maxmemory", "1");
    const fullSince = Date.now();
    const during = await waitFor(async () => {
      const answer = await health();
      return answer.status === "degraded" ? answer : undefined;
    }, 5_000, "health to say degraded");
    expect(during).toMatchObject({ status: "degraded", redis: "full", error: expect.stringMatching(/refuses writes \(out of memory\)/) });
    const refused = await fetch(`${base}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task_name: "ffmpeg.extract_audio", input_data: { video_path: video } }),
    });
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([503, "STORE_FULL"]);
    await new Promise((resolve) => setTimeout(resolve, FULL_MS - (Date.now() - fullSince)));
    expect((await health()).status).toBe("degraded");
    await redis.config("SET", "maxmemory", "0");
    expect((await health()).status).toBe("healthy");

    const finals = await Promise.all(
      ids.map((taskId) =>
        waitFor(async () => {
          const body = (await (await fetch(`${base}/v1/tasks/${taskId}/status`)).json()) as { status: string; result: { error: string | null } };
          return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
        }, 60_000, `task ${taskId} to finish (worker: ${worker.output().slice(-3000)})`),
      ),
    );
    expect(finals.map((final) => [final.status, final.result.error])).toEqual(ids.map(() => ["completed", null]));
    // Each node ran to its end once: a node that had finished was not run again from scratch.
    const successes = worker.output().split("\n").filter((line) => line.includes('"msg":"node succeeded"'));
    for (const taskId of ids) expect(successes.filter((line) => line.includes(taskId)), taskId).toHaveLength(1);
    // The worker said it waited, rather than failing anything.
    expect(worker.output()).toContain("redis refused a write; retrying until it takes it");
  }, 120_000);
});
