import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startRedisServer, startTcpProxy, waitFor, type RedisServerHandle, type TcpProxyHandle } from "@wf/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, startPipelineWorker, type AppProcess } from "./processes.js";

// Soak: mixed load (single nodes, pipelines, status, events, cancels, deletes) for
// WF_SOAK_MINUTES (2 in the test suite, 10 with `pnpm test:soak`), with one fault a minute drawn
// from a seeded generator (WF_SOAK_SEED, so a failing run can be repeated): Redis restarted,
// a worker SIGKILLed, Redis out of memory, a worker cut off from Redis past its lock, the gateway
// SIGKILLed. Then every task is checked: final or gone, none stuck, no job or key left over.

const MINUTES = Number(process.env["WF_SOAK_MINUTES"] ?? 2);
const SEED = Number(process.env["WF_SOAK_SEED"] ?? 26);
const FAULT_EVERY_MS = 60_000;
const FAULTS = ["redis-restart", "worker-kill", "memory-full", "partition", "gateway-kill"] as const;

/** mulberry32: a small seeded generator, so a run's faults and load repeat. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

let root: string;
let redisServer: RedisServerHandle;
let redis: Redis;
let proxy: TcpProxyHandle;
let gateway: AppProcess;
let gatewayPort: number;
const workers: AppProcess[] = [];
const gatewayEnv = () => ({
  REDIS_URL: redisServer.url,
  WF_SHARED_ROOT: root,
  PORT: String(gatewayPort),
  HOST: "127.0.0.1",
  WF_RECONCILE_GRACE_MS: "2000",
  WF_RECONCILE_INTERVAL_MS: "1000",
  WF_RECONCILE_RECHECK_MS: "2000",
  WF_STALLED_INTERVAL_MS: "1000",
});
const workerEnv = (url: string) => ({ REDIS_URL: url, WF_SHARED_ROOT: root, WF_JOB_LOCK_MS: "3000", WF_STALLED_INTERVAL_MS: "1000", WF_REGISTRY_TTL_S: "5", WF_CONCURRENCY: "8" });
const base = () => `http://127.0.0.1:${gatewayPort}`;

async function startGateway(): Promise<void> {
  gateway = startApp("@wf/gateway", gatewayEnv());
  await waitFor(async () => ((await fetch(`${base()}/`).catch(() => undefined))?.ok ? true : undefined), 20_000, "the gateway to start");
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-e2e-soak-"));
  redisServer = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on("error", () => undefined);
  proxy = await startTcpProxy(redisServer.port);
  gatewayPort = await freePort();
  await startGateway();
  // One worker straight to Redis, one through the proxy a partition cuts.
  workers.push(await startPipelineWorker(workerEnv(redisServer.url)));
  workers.push(await startPipelineWorker(workerEnv(`redis://127.0.0.1:${proxy.port}`)));
}, 60_000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), ...workers.map((worker) => worker.stop())]);
  proxy?.close();
  redis?.disconnect();
  await redisServer?.stop();
  await rm(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const call = (path: string, init: RequestInit = {}) => fetch(`${base()}${path}`, { ...init, signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
const post = (path: string, body: unknown) => call(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** What each create attempt got (`<ms since start>:<status>`), per task: printed for a task that goes missing. */
const answers = new Map<string, string[]>();
const soakStartedAt = Date.now();

/** Posts until acknowledged (a 503 or no answer while a fault lasts is retried, with the same task id). */
async function createUntilAcknowledged(body: Record<string, unknown>): Promise<boolean> {
  const taskId = String(body["task_id"]);
  const answered = answers.get(taskId) ?? answers.set(taskId, []).get(taskId);
  for (const started = Date.now(); Date.now() - started < 60_000; await sleep(250)) {
    const response = await post("/v1/tasks", body);
    answered?.push(`${Date.now() - soakStartedAt}:${response?.status ?? "none"}`);
    if (response?.status === 200) return true;
    await response?.body?.cancel();
  }
  return false;
}

async function fault(kind: (typeof FAULTS)[number], log: string[]): Promise<void> {
  const startedAt = Date.now();
  if (kind === "redis-restart") {
    await redisServer.pause();
    await sleep(1_000);
    await redisServer.start();
  } else if (kind === "worker-kill") {
    const worker = workers.shift();
    worker?.child.kill("SIGKILL");
    await sleep(500);
    workers.push(await startPipelineWorker(workerEnv(redisServer.url)));
  } else if (kind === "memory-full") {
    await redis.config("SET", "maxmemory-policy", "noeviction");
    await redis.config("SET", "maxmemory", "1");
    await sleep(10_000);
    await redis.config("SET", "maxmemory", "0");
  } else if (kind === "partition") {
    proxy.cut();
    await sleep(8_000);
    proxy.heal();
  } else {
    gateway.child.kill("SIGKILL");
    await sleep(500);
    await startGateway();
  }
  log.push(`${kind} at ${startedAt - soakStartedAt} ms (${Date.now() - startedAt} ms)`);
}

describe(`soak: ${MINUTES} min of mixed load with a seeded fault a minute (seed ${SEED})`, () => {
  it("every task ends final or gone, none stuck, no job or key left over", async () => {
    // Two generators: the lanes draw their load from one, at a pace that varies from run to run;
    // the faults come from the other, so a seed always gives the same faults in the same order.
    const random = seeded(SEED);
    const faultRandom = seeded(SEED ^ 0x5eed);
    const endAt = Date.now() + MINUTES * 60_000;
    const tasks = new Map<string, "single" | "pipeline" | "cancel">();
    const deleted = new Set<string>();
    // Deletes sent: one that got no answer (a fault) may still have taken effect.
    const deleting = new Set<string>();
    const faults: string[] = [];
    let counter = 0;
    const id = () => `task-soak-${SEED}-${counter++}`;
    const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];

    const lane = async (): Promise<void> => {
      while (Date.now() < endAt) {
        await sleep(20);
        const roll = random();
        if (roll < 0.4) {
          const taskId = id();
          if (await createUntilAcknowledged({ task_id: taskId, task_name: "pipe.source", input_data: { value: taskId, ms: Math.floor(random() * 200) } })) tasks.set(taskId, "single");
        } else if (roll < 0.55) {
          const taskId = id();
          const nodes = [
            { task_name: "pipe.source", input_data: { value: taskId, ms: 50 } },
            { task_name: "pipe.left", input_data: { value: "${{ stages.pipe.source.output.value }}" } },
            { task_name: "pipe.right", input_data: { value: "${{ stages.pipe.source.output.value }}" } },
            { task_name: "pipe.join", input_data: { left: "${{ stages.pipe.left.output.value }}", right: "${{ stages.pipe.right.output.value }}" } },
          ];
          if (await createUntilAcknowledged({ task_id: taskId, nodes })) tasks.set(taskId, "pipeline");
        } else if (roll < 0.65) {
          const taskId = id();
          if (await createUntilAcknowledged({ task_id: taskId, task_name: "pipe.slow", input_data: { ms: 3_000 } })) {
            tasks.set(taskId, "cancel");
            await sleep(200);
            await (await call(`/v1/tasks/${taskId}`, { method: "DELETE" }))?.body?.cancel();
          }
        } else if (roll < 0.75) {
          const done = pick([...tasks.keys()].filter((taskId) => !deleted.has(taskId)));
          if (done) {
            deleting.add(done);
            const response = await post(`/v1/tasks/${done}/delete`, { force: true });
            if (response?.status === 200) deleted.add(done);
            await response?.body?.cancel();
          }
        } else if (roll < 0.9) {
          const taskId = pick([...tasks.keys()]);
          if (taskId) await (await call(`/v1/tasks/${taskId}/status`))?.body?.cancel();
        } else {
          const taskId = pick([...tasks.keys()]);
          const response = taskId ? await call(`/v1/tasks/${taskId}/events`) : undefined;
          const reader = response?.ok ? response.body?.getReader() : undefined;
          await reader?.read().catch(() => undefined);
          await reader?.cancel().catch(() => undefined);
        }
      }
    };
    const faulter = async (): Promise<void> => {
      for (let at = Date.now() + FAULT_EVERY_MS / 2; at < endAt; at += FAULT_EVERY_MS) {
        await sleep(Math.max(0, at - Date.now()));
        await fault(FAULTS[Math.floor(faultRandom() * FAULTS.length)] ?? "redis-restart", faults);
      }
    };
    await Promise.all([...Array.from({ length: 6 }, lane), faulter()]);

    // The invariant, over every acknowledged task. Reads go 32 at a time (a 10-minute run has
    // about 50,000 tasks), and the keys left over are found in one SCAN of the keyspace.
    const finals = new Map<string, string>();
    const readFinal = async (taskId: string): Promise<void> => {
      const response = await call(`/v1/tasks/${taskId}/status`);
      if (response?.status === 404) finals.set(taskId, "gone");
      else if (response?.ok) {
        const body = (await response.json()) as { status: string };
        if (["completed", "failed", "cancelled"].includes(body.status)) finals.set(taskId, body.status);
      } else await response?.body?.cancel();
    };
    await waitFor(async () => {
      const open = [...tasks.keys()].filter((taskId) => !finals.has(taskId));
      let next = 0;
      const reader = async () => {
        for (let taskId = open[next++]; taskId; taskId = open[next++]) await readFinal(taskId);
      };
      await Promise.all(Array.from({ length: 32 }, reader));
      return finals.size === tasks.size ? true : undefined;
    }, 180_000, "every task to end").catch(() => undefined);
    const stuck = [...tasks.keys()].filter((taskId) => !finals.has(taskId));
    const gone = [...finals].filter(([, final]) => final === "gone").map(([taskId]) => taskId);
    const unexpectedlyGone = gone.filter((taskId) => !deleting.has(taskId));
    const deletedNotGone = [...deleted].filter((taskId) => finals.get(taskId) !== "gone");
    // A task's keys start with `<task_id>:`, its jobs' keys with `bull:<queue>:<task_id>.`.
    const taskOfKey = (key: string): string | undefined => /^(?:bull:[^:]+:)?(task-soak-[0-9]+-[0-9]+)[:.]/.exec(key)?.[1];
    const keysLeft: string[] = [];
    for await (const keys of redis.scanStream({ match: "*task-soak-*", count: 1_000 }) as AsyncIterable<string[]>) {
      for (const key of keys) if (deleted.has(taskOfKey(key) ?? "")) keysLeft.push(key);
    }
    const queues = ["pipe_queue"].map((name) => new Queue(name, { connection: redis }));
    const liveJobs = (await Promise.all(queues.map((queue) => queue.getJobs(["waiting", "active", "delayed", "prioritized"])))).flat().filter((job) => job?.id);
    await Promise.all(queues.map((queue) => queue.close()));
    const orphanJobs = liveJobs.filter((job) => finals.has((job.data as { task_id: string }).task_id));
    const sample = async (jobs: typeof orphanJobs) =>
      Promise.all(jobs.slice(0, 5).map(async (job) => `${job.id} ${await job.getState()} task ${finals.get((job.data as { task_id: string }).task_id)}`));
    const counts = Object.fromEntries(["completed", "failed", "cancelled", "gone"].map((status) => [status, [...finals.values()].filter((final) => final === status).length]));
    console.log(`soak seed ${SEED}, ${MINUTES} min: ${tasks.size} tasks ${JSON.stringify(counts)}, ${deleted.size} deleted, faults: ${faults.join(", ")}; stuck ${stuck.length} ${stuck.slice(0, 5).join(" ")}; unexpectedly gone ${unexpectedlyGone.length} ${unexpectedlyGone.slice(0, 5).map((taskId) => `${taskId} (${tasks.get(taskId)}, creates ${answers.get(taskId)?.join(" ")})`).join(" ")}; keys left ${keysLeft.length} ${keysLeft.slice(0, 5).join(" ")}; orphan jobs ${orphanJobs.length} ${(await sample(orphanJobs)).join("; ")}`);
    expect(faults.length).toBeGreaterThanOrEqual(MINUTES - 1);
    expect({ stuck, unexpectedlyGone, deletedNotGone, keysLeft, orphanJobs: orphanJobs.map((job) => job.id) }).toEqual({ stuck: [], unexpectedlyGone: [], deletedNotGone: [], keysLeft: [], orphanJobs: [] });
  }, (MINUTES + 6) * 60_000);
});
