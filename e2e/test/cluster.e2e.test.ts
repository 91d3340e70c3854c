import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, makeTestVideo, probeMedia, startRedisCluster, waitFor, type RedisClusterHandle } from "@wf/testing";
import { createStateStore } from "@wf/state-redis";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, startScript, type AppProcess } from "./processes.js";

const GPU_WORKER = join(import.meta.dirname, "..", "fixtures", "gpu-worker", "worker.mjs");

let cluster: RedisClusterHandle;
let client: Cluster;
let root: string;
let base: string;
const apps: AppProcess[] = [];

/** Every key on every master whose name contains `text`. */
async function keysContaining(text: string): Promise<string[]> {
  const found = await Promise.all(client.nodes("master").map((node) => node.keys(`*${text}*`)));
  return found.flat().sort();
}

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  client = new Cluster(cluster.nodes);
  root = await mkdtemp(join(tmpdir(), "wf-e2e-cluster-"));
  await mkdir(join(root, "inputs"), { recursive: true });
  await makeTestVideo(join(root, "inputs", "demo.mp4"), 1);
  const first = cluster.nodes[0] as { host: string; port: number };
  const env = { REDIS_URL: `redis://${first.host}:${first.port}`, WF_REDIS_CLUSTER: "true", WF_SHARED_ROOT: root };
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  apps.push(startApp("@wf/worker", { ...env, WF_METRICS_PORT: "0" }));
  apps.push(startApp("@wf/gateway", { ...env, PORT: String(port), HOST: "127.0.0.1" }));
  await waitFor(
    async () => {
      const response = await fetch(`${base}/v1/tasks/supported-tasks`).catch(() => undefined);
      const text = response?.ok ? await response.text() : "";
      return text.includes("ffmpeg.extract_audio") || undefined;
    },
    30_000,
    `gateway and worker on the cluster (output: ${apps.map((app) => app.output()).join("\n")})`,
  );
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await client?.quit();
  await cluster?.stop();
  await rm(root, { recursive: true, force: true });
});

describe("end to end on a Redis Cluster (3 masters)", () => {
  it("shares one GPU between two services' worker processes: never two nodes at once", async () => {
    const first = cluster.nodes[0] as { host: string; port: number };
    const scope = `cluster-${Date.now()}`;
    const env = { REDIS_URL: `redis://${first.host}:${first.port}`, WF_REDIS_CLUSTER: "true", WF_SHARED_ROOT: root, WF_RESOURCES: "gpu:0=1", WF_RESOURCE_SCOPE: scope };
    for (const service of ["gpua", "gpub"]) {
      const worker = startScript(GPU_WORKER, { ...env, WF_TEST_SERVICE: service });
      apps.push(worker);
      await waitFor(async () => worker.output().includes("ready") || undefined, 20_000, `the ${service} worker (${worker.output()})`);
    }
    await waitFor(async () => {
      const text = await (await fetch(`${base}/v1/tasks/supported-tasks`)).text();
      return (text.includes("gpua.infer") && text.includes("gpub.infer")) || undefined;
    }, 20_000, "the GPU nodes to register");
    const run = `cluster-${Math.random().toString(16).slice(2)}`;
    const tasks: [string, string][] = [];
    for (let i = 0; i < 6; i++) {
      const name = i % 2 === 0 ? "gpua.infer" : "gpub.infer";
      const created = await fetch(`${base}/v1/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ task_name: name, input_data: { ms: 400, run } }) });
      tasks.push([((await created.json()) as { task_id: string }).task_id, name]);
    }
    for (const [taskId] of tasks) {
      await waitFor(async () => {
        const status = ((await (await fetch(`${base}/v1/tasks/${taskId}/status`)).json()) as { status: string }).status;
        return status === "completed" || undefined;
      }, 30_000, `${taskId} to complete`);
    }
    const runs = (await client.lrange(`gpu-runs:${run}`, 0, -1)).map((entry) => JSON.parse(entry) as { start: number; end: number }).sort((a, b) => a.start - b.start);
    expect(runs).toHaveLength(6);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
    // The counters are written right after each take, without holding the node up.
    await waitFor(async () => {
      const listing = (await (await fetch(`${base}/v1/resources`)).json()) as { resources: { instance: string; stats: { acquired: number } }[] };
      return listing.resources.find((r) => r.instance === `${scope}/gpu:0`)?.stats.acquired === 6 || undefined;
    }, 10_000, "the GPU's counters");
  }, 90_000);

  it("runs a node, keeps its keys hash-tagged in one slot, and deletes every trace", async () => {
    const created = await fetch(`${base}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task_name: "ffmpeg.extract_audio", input_data: { video_path: join(root, "inputs", "demo.mp4") } }),
    });
    expect(created.status).toBe(200);
    const taskId = ((await created.json()) as { task_id: string }).task_id;
    const final = await waitFor(async () => {
      const body = (await (await fetch(`${base}/v1/tasks/${taskId}/status`)).json()) as { status: string; result: { output: { audio_path: string } | null } };
      return body.status === "completed" || body.status === "failed" ? body : undefined;
    }, 30_000, "the node to finish");
    expect(final.status).toBe("completed");
    expect((await probeMedia(final.result.output?.audio_path as string)).streams[0]).toMatchObject({ sample_rate: "16000", channels: 1 });

    // Nobody followed the task: it has no event stream. Following it creates one, in its slot.
    expect((await keysContaining(taskId)).filter((key) => !key.startsWith("{bull}")).sort()).toEqual([`{${taskId}}:node:ffmpeg.extract_audio`, `{${taskId}}:nodes`]);
    expect(await createStateStore({ redis: client, keyLayout: "hash-tag" }).openTaskEvents(taskId)).toMatch(/^\d+-\d+$/);
    const stateKeys = (await keysContaining(taskId)).filter((key) => !key.startsWith("{bull}"));
    expect([...stateKeys].sort()).toEqual([`{${taskId}}:events`, `{${taskId}}:node:ffmpeg.extract_audio`, `{${taskId}}:nodes`]);
    const slots = new Set(await Promise.all(stateKeys.map((key) => client.cluster("KEYSLOT", key))));
    expect(slots.size).toBe(1);

    const deleted = await fetch(`${base}/v1/tasks/${taskId}/delete`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(((await deleted.json()) as { status: string }).status).toBe("success");
    expect(await keysContaining(taskId)).toEqual([]);
    await expect(stat(join(root, taskId))).rejects.toThrow();
  });

  it("runs a pipeline of built-in nodes in one request, every key of the task in its one slot", async () => {
    const video = join(root, "inputs", "demo.mp4");
    const created = await fetch(`${base}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        nodes: [
          { task_name: "ffmpeg.extract_audio", input_data: { video_path: video } },
          { task_name: "ffmpeg.extract_keyframes", input_data: { video_path: video, keyframe_sample_count: 2 } },
          { task_name: "ffmpeg.split_audio_segments", input_data: { audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}" }, after: ["ffmpeg.extract_keyframes"] },
        ],
      }),
    });
    const body = (await created.json()) as { task_id: string; nodes: { task_name: string; state: string }[] };
    expect(created.status, JSON.stringify(body)).toBe(200);
    expect(body.nodes.map((node) => node.state)).toEqual(["queued", "queued", "waiting"]);
    const taskId = body.task_id;
    const done = await waitFor(async () => {
      const result = (await (await fetch(`${base}/v1/tasks/${taskId}/result`)).json()) as { status: string; context: { stages: Record<string, { status: string; error: string | null; output: Record<string, unknown> | null }> } };
      return result.status === "completed" || result.status === "failed" ? result : undefined;
    }, 60_000, "the pipeline to finish");
    expect(done.status, JSON.stringify(done.context.stages)).toBe("completed");
    expect(done.context.stages["ffmpeg.split_audio_segments"]?.output?.["audio_segments_dir"]).toBe(join(root, "tasks", taskId, "nodes", "ffmpeg.split_audio_segments", "audio_segments"));
    const stateKeys = (await keysContaining(taskId)).filter((key) => !key.startsWith("{bull}"));
    expect(stateKeys).toContain(`{${taskId}}:pipeline`);
    const slots = new Set(await Promise.all(stateKeys.map((key) => client.cluster("KEYSLOT", key))));
    expect(slots.size).toBe(1);
  });
});
