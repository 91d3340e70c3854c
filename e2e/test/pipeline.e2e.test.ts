import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startApp, startPipelineWorker, type AppProcess } from "./processes.js";

// Pipelines through the real apps: a gateway process and worker processes running small test
// nodes (e2e/fixtures/pipeline-worker), each of which records its runs in Redis.

/** The gateway's reconciler runs fast here, so the crash bound is seconds: grace 2 s, interval 1 s. */
const RECONCILE = { WF_RECONCILE_GRACE_MS: "2000", WF_RECONCILE_INTERVAL_MS: "1000", WF_RECONCILE_RECHECK_MS: "5000" };
const CRASH_BOUND_MS = 2000 + 1000 + 2000; // grace + interval + one pass and the node itself

interface Stage {
  status: string;
  output: Record<string, unknown> | null;
  error: string | null;
  depends_on?: string[];
  waiting_for?: string[];
}
interface Result {
  status: string;
  result: { task_name: string; status: string } | null;
  context: { stages: Record<string, Stage> };
}

let root: string;
let base: string;
let redis: Redis;
let gateway: AppProcess;
let worker: AppProcess;
let callbacks: Server;
let callbackUrl: string;
const received: { task_id: string; status: string; result: { task_name: string } }[] = [];

const workerEnv = () => ({ REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: root });

async function post(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/v1/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const result = async (taskId: string) => (await (await fetch(`${base}/v1/tasks/${taskId}/result`)).json()) as Result;
const runs = async (taskId: string) => redis.lrange(`pipe-runs:${taskId}`, 0, -1).then((entries) => entries.map((entry) => entry.split(" ")[0]));
const final = (taskId: string, timeoutMs = 20_000) =>
  waitFor(async () => {
    const body = await result(taskId);
    return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
  }, timeoutMs, `task ${taskId} to end (worker: ${worker.output().slice(-2000)})`);
const ref = (stage: string) => `\${{ stages.${stage}.output.value }}`;

/** A → B, C → D, where D reads both B's and C's outputs. */
const diamond = (taskId: string, options: { leftMs?: number; callback?: string } = {}) => ({
  task_id: taskId,
  ...(options.callback ? { callback: options.callback } : {}),
  nodes: [
    { task_name: "pipe.join", input_data: { left: ref("pipe.left"), right: ref("pipe.right") } },
    { task_name: "pipe.left", input_data: { value: ref("pipe.source"), ms: options.leftMs ?? 0 } },
    { task_name: "pipe.right", input_data: { value: ref("pipe.source") } },
    { task_name: "pipe.source", input_data: { value: "x" } },
  ],
});

const startWorkerProcess = (env: Record<string, string> = {}) => startPipelineWorker({ ...workerEnv(), ...env });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-e2e-pipeline-"));
  redis = new Redis(inject("redisUrl"));
  callbacks = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      received.push(JSON.parse(text) as (typeof received)[number]);
      res.writeHead(200).end();
    });
  });
  callbacks.listen(0, "127.0.0.1");
  await once(callbacks, "listening");
  callbackUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/hook`;
  const port = await freePort();
  gateway = startApp("@wf/gateway", { ...workerEnv(), ...RECONCILE, PORT: String(port), HOST: "127.0.0.1", WF_CALLBACK_ALLOW_PRIVATE: "true" });
  base = `http://127.0.0.1:${port}`;
  worker = await startWorkerProcess();
  await waitFor(async () => {
    const response = await fetch(`${base}/v1/tasks/supported-tasks`).catch(() => undefined);
    const text = response?.ok ? await response.text() : "";
    return text.includes("pipe.join") || undefined;
  }, 20_000, `the gateway (${gateway.output()})`);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), worker?.stop()]);
  callbacks?.close();
  redis?.disconnect();
  await rm(root, { recursive: true, force: true });
});

describe("pipelines: a task's nodes in one request", () => {
  it("runs a diamond: D starts only after both B and C, reads both outputs, and the callback comes once", async () => {
    const taskId = `task-diamond-${Date.now()}`;
    const created = await post(diamond(taskId, { leftMs: 1500, callback: callbackUrl }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body["nodes"]).toEqual([
      { task_name: "pipe.join", state: "waiting", waiting_for: ["pipe.left", "pipe.right"] },
      { task_name: "pipe.left", state: "waiting", waiting_for: ["pipe.source"] },
      { task_name: "pipe.right", state: "waiting", waiting_for: ["pipe.source"] },
      { task_name: "pipe.source", state: "queued", waiting_for: [] },
    ]);
    // While B (left) runs, D waits: PENDING, naming what it waits for, and it has not run.
    const waiting = await waitFor(async () => {
      const body = await result(taskId);
      return body.context.stages["pipe.right"]?.status === "SUCCESS" ? body : undefined;
    }, 10_000, "C to succeed");
    expect(waiting.context.stages["pipe.join"]).toMatchObject({ status: "PENDING", depends_on: ["pipe.left", "pipe.right"], waiting_for: ["pipe.left"] });
    expect(waiting.status).toMatch(/running|pending/);
    expect(await runs(taskId)).not.toContain("pipe.join");

    const done = await final(taskId);
    expect(done.status).toBe("completed");
    expect(done.context.stages["pipe.join"]?.output).toEqual({ value: "left(x)+right(x)" });
    const order = await runs(taskId);
    expect(order.at(-1)).toBe("pipe.join");
    expect(order.filter((name) => name === "pipe.join")).toHaveLength(1);
    // One callback for the whole pipeline, once every node is final, carrying the last node's result.
    await waitFor(async () => received.some((body) => body.task_id === taskId) || undefined, 10_000, "the pipeline's callback");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const mine = received.filter((body) => body.task_id === taskId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: "completed", result: { task_name: "pipe.join" } });
  });

  it("fan-in race, 200 times, on two worker processes: two dependencies ending at the same moment start exactly one job of D", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `task-fanin-${Date.now()}-${i}`);
    // A second worker process: B and C often end on different workers, each releasing D.
    const second = await startWorkerProcess();
    try {
      // Ten pipelines at a time, so that many upstream pairs finish together.
      for (let i = 0; i < ids.length; i += 10) {
        const batch = ids.slice(i, i + 10);
        await Promise.all(batch.map(async (taskId) => expect((await post(diamond(taskId))).status).toBe(200)));
        await Promise.all(batch.map((taskId) => final(taskId)));
      }
    } finally {
      await second.stop();
    }
    // Both processes ran nodes: the race was between processes, not only within one.
    const pids = new Set((await Promise.all(ids.map((taskId) => redis.lrange(`pipe-runs:${taskId}`, 0, -1)))).flat().map((entry) => entry.split(" ")[1]));
    expect(pids.size).toBe(2);
    for (const taskId of ids) {
      const done = await result(taskId);
      expect(done.status, taskId).toBe("completed");
      expect((await runs(taskId)).filter((name) => name === "pipe.join"), taskId).toHaveLength(1);
    }
    // Each task's join ran as the one job its attempt names: no second job was ever queued for it.
    const joinJobs = (await redis.keys("bull:pipe_queue:task-fanin-*pipe.join.*")).filter((key) => !key.endsWith(":lock") && !key.endsWith(":logs"));
    expect(joinJobs).toHaveLength(200);
  });

  it("a failed node cancels everything downstream of it; an independent branch finishes; the task reads failed", async () => {
    const taskId = `task-failing-${Date.now()}`;
    const created = await post({
      task_id: taskId,
      nodes: [
        { task_name: "pipe.fail", input_data: {} },
        { task_name: "pipe.left", input_data: { value: "y" }, after: ["pipe.fail"] },
        { task_name: "pipe.join", input_data: { left: ref("pipe.left"), right: "z" } },
        // The independent branch ends after the failure: the newest write is a success.
        { task_name: "pipe.source", input_data: { value: "s", ms: 800 } },
        { task_name: "pipe.right", input_data: { value: ref("pipe.source") } },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const done = await final(taskId);
    expect(done.status).toBe("failed");
    expect(done.context.stages["pipe.fail"]).toMatchObject({ status: "FAILED", error: "failed on purpose" });
    expect(done.context.stages["pipe.left"]).toMatchObject({ status: "CANCELLED", error: "not run: pipe.fail failed" });
    expect(done.context.stages["pipe.join"]).toMatchObject({ status: "CANCELLED", error: "not run: pipe.left cancelled" });
    expect(done.context.stages["pipe.right"]).toMatchObject({ status: "SUCCESS", output: { value: "right(s)" } });
    expect(await runs(taskId)).not.toContain("pipe.left");
    // /status speaks for the failed node, and the listing files the task under failed.
    const status = (await (await fetch(`${base}/v1/tasks/${taskId}/status`)).json()) as Result & { message: string };
    expect(status).toMatchObject({ status: "failed", result: { task_name: "pipe.fail", status: "FAILED" } });
    const listed = (await (await fetch(`${base}/v1/tasks?status=failed&limit=100`)).json()) as { tasks: { task_id: string }[] };
    expect(listed.tasks.map((task) => task.task_id)).toContain(taskId);

    // Retry runs the whole pipeline again as a new task, the failed node included.
    const retried = (await (await fetch(`${base}/v1/tasks/${taskId}/retry`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()) as { task_id: string };
    const again = await final(retried.task_id);
    expect(Object.keys(again.context.stages).sort()).toEqual(["pipe.fail", "pipe.join", "pipe.left", "pipe.right", "pipe.source"]);
    expect(again.context.stages["pipe.fail"]?.status).toBe("FAILED");
    expect(again.context.stages["pipe.left"]?.error).toBe("not run: pipe.fail failed");
  });

  it("posting the same pipeline again on its task reuses what succeeded and re-runs the rest", async () => {
    const taskId = `task-resume-${Date.now()}`;
    const pipeline = {
      task_id: taskId,
      nodes: [
        { task_name: "pipe.source", input_data: { value: "r" } },
        { task_name: "pipe.fail", input_data: {}, after: ["pipe.source"] },
        { task_name: "pipe.left", input_data: { value: ref("pipe.source") }, after: ["pipe.fail"] },
      ],
    };
    expect((await post(pipeline)).status).toBe(200);
    expect((await final(taskId)).status).toBe("failed");
    await redis.set(`pipe-heal:${taskId}`, "1");
    const again = await post(pipeline);
    expect(again.body["nodes"]).toEqual([
      { task_name: "pipe.source", state: "reused", waiting_for: [] },
      { task_name: "pipe.fail", state: "queued", waiting_for: [] },
      { task_name: "pipe.left", state: "waiting", waiting_for: ["pipe.fail"] },
    ]);
    const done = await final(taskId);
    expect(done.status).toBe("completed");
    expect(done.context.stages["pipe.left"]?.output).toEqual({ value: "left(r)" });
    expect(await runs(taskId)).toEqual(["pipe.source", "pipe.fail", "pipe.fail", "pipe.left"]);
  });

  it("cancelling mid-pipeline stops the running node and every waiting one; nothing starts afterwards", async () => {
    const taskId = `task-cancel-${Date.now()}`;
    await post({
      task_id: taskId,
      nodes: [
        { task_name: "pipe.slow", input_data: { ms: 30_000 } },
        { task_name: "pipe.left", input_data: { value: "c" }, after: ["pipe.slow"] },
        { task_name: "pipe.join", input_data: { left: ref("pipe.left"), right: "c" } },
      ],
    });
    await waitFor(async () => (await result(taskId)).context.stages["pipe.slow"]?.status === "IN_PROGRESS" || undefined, 10_000, "the slow node to start");
    const cancelled = await fetch(`${base}/v1/tasks/${taskId}`, { method: "DELETE" });
    expect(((await cancelled.json()) as { cancelled: string[] }).cancelled.sort()).toEqual(["pipe.join", "pipe.left", "pipe.slow"]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await result(taskId);
    expect(after.status).toBe("cancelled");
    expect(Object.values(after.context.stages).map((stage) => stage.status)).toEqual(["CANCELLED", "CANCELLED", "CANCELLED"]);
    expect(await runs(taskId)).toEqual([]);
  });

  it("a forced delete mid-pipeline stops the running node, removes every key and held job, and nothing starts afterwards", async () => {
    const taskId = `task-force-delete-${Date.now()}`;
    await post({
      task_id: taskId,
      nodes: [
        { task_name: "pipe.slow", input_data: { ms: 30_000 } },
        { task_name: "pipe.left", input_data: { value: "d" }, after: ["pipe.slow"] },
      ],
    });
    await waitFor(async () => (await result(taskId)).context.stages["pipe.slow"]?.status === "IN_PROGRESS" || undefined, 10_000, "the slow node to start");
    const deleted = await fetch(`${base}/v1/tasks/${taskId}/delete`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ force: true }) });
    expect(((await deleted.json()) as { status: string }).status).toBe("success");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await fetch(`${base}/v1/tasks/${taskId}/status`)).status).toBe(404);
    // No state key, no pipeline hash, no queue job of either node is left; nothing ran.
    expect((await redis.keys(`*${taskId}*`)).filter((key) => !key.startsWith("pipe-runs:"))).toEqual([]);
    expect(await runs(taskId)).toEqual([]);
  });

  it("a chain posted node by node, without polling: each node waits for the one it reads", async () => {
    const taskId = `task-chain-${Date.now()}`;
    const first = await post({ task_id: taskId, task_name: "pipe.source", input_data: { value: "n", ms: 500 } });
    const second = await post({ task_id: taskId, task_name: "pipe.left", input_data: { value: ref("pipe.source") } });
    const third = await post({ task_id: taskId, task_name: "pipe.right", input_data: { value: ref("pipe.left") } });
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect(second.body["message"]).toBe("task is queued; the node starts once pipe.source succeeds");
    const done = await final(taskId);
    expect(done.status).toBe("completed");
    expect(done.context.stages["pipe.right"]?.output).toEqual({ value: "right(left(n))" });
    // A stage the task does not have is refused at once.
    const unknown = await post({ task_id: taskId, task_name: "pipe.left", input_data: { value: ref("pipe.join") } });
    expect(unknown.status).toBe(400);
  });

  it("a worker SIGKILLed right after an upstream's SUCCESS: the dependent still starts, within the bound", async () => {
    await worker.stop();
    const pausing = await startWorkerProcess({ WF_TEST_PAUSE_AFTER_SUCCESS_MS: "600000" });
    try {
      const taskId = `task-crash-${Date.now()}`;
      expect((await post({ task_id: taskId, nodes: [{ task_name: "pipe.source", input_data: { value: "k" } }, { task_name: "pipe.left", input_data: { value: ref("pipe.source") } }] })).status).toBe(200);
      await waitFor(async () => (await result(taskId)).context.stages["pipe.source"]?.status === "SUCCESS" || undefined, 10_000, "the upstream to succeed");
      // The pausing worker now sits between the SUCCESS and the release: kill it there.
      pausing.child.kill("SIGKILL");
      const killedAt = Date.now();
      await once(pausing.child, "exit");
      worker = await startWorkerProcess();
      const done = await final(taskId, CRASH_BOUND_MS + 10_000);
      const tookMs = Date.now() - killedAt;
      expect(done.status).toBe("completed");
      expect(done.context.stages["pipe.left"]?.output).toEqual({ value: "left(k)" });
      expect(tookMs).toBeLessThan(CRASH_BOUND_MS + 5_000);
      expect((await runs(taskId)).filter((name) => name === "pipe.left")).toHaveLength(1);
    } finally {
      if (pausing.child.exitCode === null && pausing.child.signalCode === null) pausing.child.kill("SIGKILL");
    }
  });
});
