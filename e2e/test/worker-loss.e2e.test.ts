import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startRedisServer, startTcpProxy, waitFor, type RedisServerHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PIPELINE_WORKER, startApp, startPipelineWorker, startProcess, type AppProcess } from "./processes.js";

// A worker lost while it runs a node: killed (and no worker of the service left), or cut off
// from Redis by a real network partition (a network namespace this file creates, as root) for
// longer than the job's lock. The node shows what happens, is taken over, and ends once.

const LOCK_MS = 2_000;
const STALLED_MS = 1_000;
const suffix = String(process.pid % 200);
const ns = `wf-part-${suffix}`;
const hostIf = `wfh${suffix}`;
const nsIf = `wfn${suffix}`;
const net = `10.213.${suffix}`;
let root: string;
let redisServer: RedisServerHandle;
let redis: Redis;
let gateway: AppProcess;
let base: string;
const workers: AppProcess[] = [];

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
const workerEnv = (redisUrl: string) => ({
  REDIS_URL: redisUrl,
  WF_SHARED_ROOT: root,
  WF_JOB_LOCK_MS: String(LOCK_MS),
  WF_STALLED_INTERVAL_MS: String(STALLED_MS),
  WF_REGISTRY_TTL_S: "2",
  LOG_LEVEL: "info",
});

beforeAll(async () => {
  expect(process.getuid?.(), "the partition tests make a network namespace: they run as root").toBe(0);
  try {
    ip("netns", "del", ns);
  } catch {
    // none left from an earlier run
  }
  ip("netns", "add", ns);
  ip("link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
  ip("link", "set", nsIf, "netns", ns);
  ip("addr", "add", `${net}.1/30`, "dev", hostIf);
  ip("link", "set", hostIf, "up");
  ip("netns", "exec", ns, "ip", "addr", "add", `${net}.2/30`, "dev", nsIf);
  ip("netns", "exec", ns, "ip", "link", "set", nsIf, "up");
  ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
  root = await mkdtemp(join(tmpdir(), "wf-e2e-loss-"));
  redisServer = await startRedisServer({ args: ["--bind", "127.0.0.1", `${net}.1`, "--protected-mode", "no"] });
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const port = await freePort();
  gateway = startApp("@wf/gateway", {
    REDIS_URL: redisServer.url,
    WF_SHARED_ROOT: root,
    PORT: String(port),
    HOST: "127.0.0.1",
    WF_RECONCILE_GRACE_MS: "500",
    WF_RECONCILE_INTERVAL_MS: "500",
    WF_RECONCILE_RECHECK_MS: "1000",
    WF_STALLED_INTERVAL_MS: String(STALLED_MS),
  });
  base = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${base}/`).catch(() => undefined))?.ok ? true : undefined), 20_000, "the gateway to start");
}, 60_000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), ...workers.map((worker) => worker.stop())]);
  redis?.disconnect();
  await redisServer?.stop();
  try {
    ip("link", "del", hostIf);
  } catch {
    // gone with the namespace
  }
  try {
    ip("netns", "del", ns);
  } catch {
    // never made
  }
  if (root) await rm(root, { recursive: true, force: true });
});

/** The pipeline fixture worker, in the partition namespace (reaching Redis over the veth pair) or on the host. */
async function startWorker(inNamespace: boolean, port = Number(new URL(redisServer.url).port), overrides: Record<string, string> = {}): Promise<AppProcess> {
  if (!inNamespace) {
    const worker = await startPipelineWorker(workerEnv(redisServer.url));
    workers.push(worker);
    return worker;
  }
  const url = `redis://${net}.1:${port}`;
  // `ip netns exec` enters the namespace and execs node: the pid is node's own.
  const worker = startProcess("ip", ["netns", "exec", ns, process.execPath, PIPELINE_WORKER], { ...workerEnv(url), ...overrides });
  workers.push(worker);
  await waitFor(async () => worker.output().includes("ready") || undefined, 20_000, `the namespaced worker (${worker.output()})`);
  return worker;
}

const startRedisProxy = (host: string, delayMs: number) => startTcpProxy(Number(new URL(redisServer.url).port), { host, delayMs });

interface Status {
  status: string;
  message: string;
  result: { status: string; output: Record<string, unknown>; error: string | null };
  workers_lost?: { task_name: string; worker_lost_at: string; takeover: string }[] | null;
}
const status = async (taskId: string) => (await (await fetch(`${base}/v1/tasks/${taskId}/status`)).json()) as Status;
async function create(taskName: string, inputData: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${base}/v1/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ task_name: taskName, input_data: inputData }) });
  const body = (await response.json()) as { task_id: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.task_id;
}
const finished = (taskId: string, timeoutMs: number) =>
  waitFor(async () => {
    const body = await status(taskId);
    return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
  }, timeoutMs, `task ${taskId} to finish`);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const stopAll = async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
};

describe("a worker lost mid-node", () => {
  it("killed with no other worker of its service: /status says so, the job goes back to its queue, and a new worker runs it once", async () => {
    const first = await startWorker(false);
    const taskId = await create("pipe.long", { ms: 3_000 });
    await waitFor(async () => ((await redis.lrange(`pipe-runs:${taskId}`, 0, -1)).length > 0 ? true : undefined), 10_000, "the node to start");
    first.child.kill("SIGKILL");
    workers.splice(workers.indexOf(first), 1);
    const lost = await waitFor(async () => {
      const body = await status(taskId);
      return body.workers_lost?.[0]?.takeover.includes("no live worker runs pipe") ? body : undefined;
    }, LOCK_MS + 10_000, "the node to show its worker lost");
    expect(lost.status).toBe("running");
    // The live events carry it too: the stream opens with the node's current state.
    const events = await fetch(`${base}/v1/tasks/${taskId}/events`);
    const reader = events.body!.getReader();
    let text = "";
    while (!text.includes("takeover")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toMatch(/"takeover":"its worker/);
    expect(lost.message).toMatch(/^task is running; pipe\.long: its worker/);
    // Back in its queue (the gateway's stalled check: no worker of pipe runs), and said so.
    const requeued = await waitFor(async () => {
      const body = await status(taskId);
      return body.workers_lost?.[0]?.takeover.includes("back in pipe_queue") ? body : undefined;
    }, 10_000, "the job to be back in its queue");
    expect(requeued.workers_lost?.[0]?.takeover).toBe("its worker was lost; the job is back in pipe_queue, waiting for a worker of pipe (none runs now)");
    await startWorker(false);
    const final = await finished(taskId, 20_000);
    expect([final.status, final.workers_lost ?? null]).toEqual(["completed", null]);
    const runs = await redis.lrange(`pipe-runs:${taskId}`, 0, -1);
    expect(runs.filter((run) => run.startsWith("end"))).toHaveLength(1);
    await stopAll();
  }, 60_000);

  it("cut off from Redis longer than the job's lock: another worker takes it over, the first stops its child and its late writes are refused; one result", async () => {
    const cutOff = await startWorker(true);
    const taskId = await create("pipe.long", { ms: 4_000 });
    await waitFor(async () => ((await redis.lrange(`pipe-runs:${taskId}`, 0, -1)).length > 0 ? true : undefined), 10_000, "the node to start in the namespace");
    const [childPid] = (await redis.lrange(`pipe-child:${taskId}`, 0, -1)).map(Number);
    expect(childPid && alive(childPid)).toBe(true);
    await startWorker(false);
    ip("link", "set", hostIf, "down");
    const cutAt = Date.now();
    // The cut-off worker stops its node (and its child) once its lock may have lapsed, on its own clock.
    await waitFor(async () => (childPid && !alive(childPid) ? true : undefined), LOCK_MS + 3_000, "the cut-off worker to kill its child");
    expect(Date.now() - cutAt).toBeLessThan(LOCK_MS + 3_000);
    // Meanwhile the host's worker takes the job over.
    await waitFor(async () => ((await redis.lrange(`pipe-runs:${taskId}`, 0, -1)).length >= 2 ? true : undefined), LOCK_MS + 2 * STALLED_MS + 5_000, "another worker to take the node over");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, LOCK_MS * 3 - (Date.now() - cutAt))));
    ip("link", "set", hostIf, "up");
    const final = await finished(taskId, 30_000);
    expect(final.status).toBe("completed");
    const runs = await redis.lrange(`pipe-runs:${taskId}`, 0, -1);
    const cutPid = cutOff.child.pid;
    expect(runs.filter((run) => run.startsWith("end")), `${JSON.stringify(runs)} cut-off worker ${cutPid}: ${cutOff.output().slice(-4000)}`).toHaveLength(1);
    expect(runs).not.toContain(`end ${cutPid}`);
    expect(final.result.output["pid"]).not.toBe(cutPid);
    // Once back, the cut-off worker's queued writes reach Redis and are refused; the result stays.
    await waitFor(async () => (cutOff.output().includes("no longer this worker's") ? true : undefined), 30_000, `the cut-off worker to give the node up (${cutOff.output().slice(-2000)})`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await status(taskId);
    expect([after.status, after.result.output["pid"]]).toEqual(["completed", final.result.output["pid"]]);
    // The stage is the later take's run (BullMQ's second take of the job).
    const context = ((await (await fetch(`${base}/v1/tasks/${taskId}/result`)).json()) as { context: { stages: Record<string, Record<string, unknown>> } }).context;
    expect(String(context.stages["pipe.long"]?.["run_id"])).toMatch(/^2\./);
    await stopAll();
  }, 90_000);

  it("100 ms of added latency each way on a worker's link for 200 tasks: none stuck, none run twice", async () => {
    ip("link", "set", hostIf, "up");
    const proxy = await startRedisProxy(`${net}.1`, 100);
    try {
      // A lock of its default length: 200 ms round trips under load must not cost it its jobs.
      await startWorker(true, proxy.port, { WF_JOB_LOCK_MS: "30000" });
      const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => create("pipe.source", { value: `v${i}` })));
      const finals = await Promise.all(ids.map((taskId) => finished(taskId, 120_000)));
      expect(finals.filter((final) => final.status !== "completed")).toEqual([]);
      const runs = await Promise.all(ids.map((taskId) => redis.llen(`pipe-runs:${taskId}`)));
      expect(runs.filter((count) => count !== 1)).toEqual([]);
    } finally {
      await stopAll();
      proxy.close();
    }
  }, 180_000);

  it("a gateway cut off from Redis answers 503 within a second, and again 200 once the link heals", async () => {
    const worker = await startWorker(false);
    const taskId = await create("pipe.source", { value: "x" });
    expect((await finished(taskId, 20_000)).status).toBe("completed");
    const proxy = await startRedisProxy("127.0.0.1", 0);
    const port = await freePort();
    const cutOff = startApp("@wf/gateway", { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, WF_SHARED_ROOT: root, PORT: String(port), HOST: "127.0.0.1" });
    try {
      const url = `http://127.0.0.1:${port}/v1/tasks/${taskId}/status`;
      await waitFor(async () => ((await fetch(url).catch(() => undefined))?.status === 200 ? true : undefined), 20_000, "the second gateway to answer");
      proxy.cut();
      const startedAt = Date.now();
      const refused = await fetch(url);
      expect(Date.now() - startedAt).toBeLessThan(1_500);
      expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([503, "STORE_UNAVAILABLE"]);
      expect((await fetch(`http://127.0.0.1:${port}/v1/tasks/health`)).status).toBe(503);
      proxy.heal();
      const healedAt = Date.now();
      await waitFor(async () => ((await fetch(url)).status === 200 ? true : undefined), 10_000, "the gateway to answer again");
      expect(Date.now() - healedAt).toBeLessThan(5_000);
    } finally {
      await cutOff.stop();
      proxy.close();
      await worker.stop();
      workers.splice(workers.indexOf(worker), 1);
    }
  }, 60_000);
});
