import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, makeTestVideo, probeMedia, waitFor } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startApp, type AppProcess } from "./processes.js";

let root: string;
let base: string;
let metricsPort: number;
let gateway: AppProcess;
let worker: AppProcess;
const redis = new Redis(inject("redisUrl"));

async function scanAll(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== "0");
  return found.sort();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-e2e-"));
  await mkdir(join(root, "inputs"), { recursive: true });
  await makeTestVideo(join(root, "inputs", "demo.mp4"), 2);
  const port = await freePort();
  metricsPort = await freePort();
  const env = { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: root };
  gateway = startApp("@wf/gateway", { ...env, PORT: String(port), HOST: "127.0.0.1" });
  worker = startApp("@wf/worker", { ...env, WF_METRICS_PORT: String(metricsPort) });
  base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${base}/v1/tasks/health`).then((r) => r.ok).catch(() => false)) || undefined,
    20_000,
    `the gateway to listen (output: ${gateway.output()})`,
  );
  await waitFor(
    async () => {
      const body = (await (await fetch(`${base}/v1/tasks/supported-tasks`)).json()) as { supported_tasks: Record<string, string[]> };
      return body.supported_tasks["ffmpeg"]?.includes("ffmpeg.extract_audio") || undefined;
    },
    20_000,
    `the worker to register its nodes (output: ${worker.output()})`,
  );
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), worker?.stop()]);
  await redis.quit();
  await rm(root, { recursive: true, force: true });
});

describe("end to end: gateway + worker processes, Redis, ffmpeg", () => {
  it("extracts audio, keeps exactly the node key with a one-day TTL, and deletes every trace", async () => {
    const created = await fetch(`${base}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task_name: "ffmpeg.extract_audio", input_data: { video_path: join(root, "inputs", "demo.mp4") } }),
    });
    expect(created.status).toBe(200);
    const { task_id: taskId, status } = (await created.json()) as { task_id: string; status: string };
    expect(status).toBe("pending");

    const final = await waitFor(async () => {
      const body = (await (await fetch(`${base}/v1/tasks/${taskId}/status`)).json()) as {
        status: string;
        result: { output: { audio_path: string } | null; error: string | null };
      };
      return body.status === "completed" || body.status === "failed" ? body : undefined;
    }, 30_000, `task ${taskId} to finish (worker output: ${worker.output()})`);
    expect(final.status, JSON.stringify(final)).toBe("completed");

    const audioPath = final.result.output?.audio_path as string;
    expect(audioPath.startsWith(join(root, "tasks", taskId))).toBe(true);
    const probe = await probeMedia(audioPath);
    expect(probe.streams[0]).toMatchObject({ codec_name: "pcm_s16le", sample_rate: "16000", channels: 1 });

    const nodeKeys = await scanAll(`${taskId}:node:*`);
    expect(nodeKeys).toEqual([`${taskId}:node:ffmpeg.extract_audio`]);
    // Besides its node keys, a task's state is exactly one more key, the index of its nodes (and
    // its event stream once someone follows it; nobody did). The queue also keeps the finished
    // job under its own prefix until the task is deleted; the listing names the task, as a
    // member, not in a key.
    const keys = await scanAll(`*${taskId}*`);
    expect(keys.filter((key) => !key.startsWith("bull:")).sort()).toEqual([`${taskId}:node:ffmpeg.extract_audio`, `${taskId}:nodes`]);
    expect(keys.filter((key) => key.startsWith("bull:ffmpeg_queue:"))).toHaveLength(1);
    // The worker took the finished node off the reconciler's watch (the reconciler's first check,
    // 30 s after the start by default, has not come yet), so the gateway never reads it again.
    // (A worker on another scope than the gateway's would leave it there: this waits in vain.)
    await waitFor(async () => {
      const members = await redis.zrange("wf:active-nodes:bull", "0", "-1");
      return members.some((member) => member.startsWith(`${taskId} `)) ? undefined : true;
    }, 5_000, "the worker to take the finished node off the reconciler's watch");
    const ttl = await redis.ttl(`${taskId}:node:ffmpeg.extract_audio`);
    expect(ttl).toBeGreaterThan(86_300);
    expect(ttl).toBeLessThanOrEqual(86_400);

    const deleted = await fetch(`${base}/v1/tasks/${taskId}/delete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as { status: string }).status).toBe("success");
    expect(await scanAll(`*${taskId}*`)).toEqual([]);
    await expect(stat(join(root, "tasks", taskId))).rejects.toThrow();
    expect((await fetch(`${base}/v1/tasks/${taskId}/status`)).status).toBe(404);

    const workerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(workerMetrics).toMatch(/wf_node_duration_seconds_count\{node="ffmpeg.extract_audio",outcome="SUCCESS"\} 1/);
    const gatewayMetrics = await (await fetch(`${base}/metrics`)).text();
    expect(gatewayMetrics).toMatch(/wf_tasks_created_total\{task_name="ffmpeg.extract_audio"\} 1/);
    expect(gatewayMetrics).toContain("process_cpu_seconds_total");
  });

  it("both services stop cleanly on SIGTERM", async () => {
    expect(await gateway.stop()).toBe(0);
    expect(await worker.stop()).toBe(0);
  });
});
