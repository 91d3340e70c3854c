import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startRedisCluster, startRedisSentinel, startRedisServer, waitFor, type RedisClusterHandle, type RedisServerHandle, type RedisSentinelHandle } from "@wf/testing";
import { Cluster, Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { startApp, startPipelineWorker, type AppProcess } from "./processes.js";

// Redis fails over while 300 tasks are created and run: behind Sentinel (a master, two replicas,
// three sentinels on loopback), and a Redis Cluster of 3 masters with a replica each. A
// master is SIGKILLed a third of the way in. With WAIT on, every acknowledged task completes;
// without it (and on the Cluster, where WAIT is not offered), what the failover loses is counted.
// Across the kill, event streams opened before it must carry on to their tasks' end, and nodes
// taking a one-slot GPU in turn must all get it.

const TASKS = 300;
const LANES = 16;
const STREAMS = 4;
const GPU_TASKS = 4;
let sentinel: RedisSentinelHandle | undefined;
let cluster: RedisClusterHandle | undefined;
let extraServers: RedisServerHandle[] = [];
let processes: AppProcess[] = [];
let root: string | undefined;

afterEach(async () => {
  await Promise.all(processes.map((process) => process.stop()));
  processes = [];
  await sentinel?.stop();
  await cluster?.stop();
  await Promise.all(extraServers.map((server) => server.stop()));
  extraServers = [];
  sentinel = undefined;
  cluster = undefined;
  if (root) await rm(root, { recursive: true, force: true });
});

interface Outcome {
  acknowledged: number;
  completed: number;
  lost: number;
  failed: number;
  stuck: number;
  ranTwice: number;
  failoverMs: number;
  gatewayBackMs: number;
  /** How the event streams opened before the kill ended (`finished`, `deleted`, `error`, `none`). */
  streams: string[];
  /** The GPU nodes (one slot, taken in turn across the failover): how each ended. */
  gpu: string[];
}

/** Where Redis runs, how the apps reach it, how the test reads it, and how its master dies. */
interface RedisUnderTest {
  env: Record<string, string>;
  connect(): Redis | Cluster;
  runsKey(taskId: string): string;
  /** SIGKILLs the master; answers when it died and how long until another server took over. */
  killMaster(): Promise<{ killedAt: number; failoverMs: number }>;
}

async function sentinelSetup(waitReplicas: number): Promise<RedisUnderTest> {
  const started = await startRedisSentinel();
  sentinel = started;
  return {
    env: {
      REDIS_URL: "redis://sentinel-managed:6379",
      REDIS_SENTINELS: started.sentinelsEnv,
      REDIS_SENTINEL_MASTER: started.name,
      WF_REDIS_WAIT_REPLICAS: String(waitReplicas),
      WF_REDIS_WAIT_TIMEOUT_MS: "500",
    },
    connect: () => new Redis({ sentinels: started.sentinels, name: started.name, maxRetriesPerRequest: 3 }),
    runsKey: (taskId) => `pipe-runs:${taskId}`,
    async killMaster() {
      const { failoverMs } = await started.killMaster();
      const killedAt = Date.now() - failoverMs;
      // The lost server is replaced, as a supervisor would, by a new empty replica of the new
      // master, which WAIT then counts (until it has synced, creates answer 503).
      const master = await started.master();
      extraServers.push(await startRedisServer({ args: ["--replicaof", "127.0.0.1", String(master.port), "--repl-diskless-sync-delay", "0"] }));
      return { killedAt, failoverMs };
    },
  };
}

async function clusterSetup(): Promise<RedisUnderTest> {
  const started = await startRedisCluster(3, { replicas: 1 });
  cluster = started;
  const [first] = started.nodes;
  return {
    env: { REDIS_URL: `redis://127.0.0.1:${first?.port}`, WF_REDIS_CLUSTER: "true" },
    connect: () => new Cluster(started.nodes),
    runsKey: (taskId) => `pipe-runs:{${taskId}}`,
    async killMaster() {
      const { failoverMs } = await started.killMaster();
      return { killedAt: Date.now() - failoverMs, failoverMs };
    },
  };
}

async function runWithFailover(kind: "sentinel" | "cluster", waitReplicas = 0): Promise<Outcome> {
  const redisUnderTest = kind === "sentinel" ? await sentinelSetup(waitReplicas) : await clusterSetup();
  root = await mkdtemp(join(tmpdir(), "wf-e2e-failover-"));
  const port = await freePort();
  const env = { ...redisUnderTest.env, WF_SHARED_ROOT: root };
  const gateway = startApp("@wf/gateway", { ...env, PORT: String(port), HOST: "127.0.0.1", WF_RECONCILE_GRACE_MS: "2000", WF_RECONCILE_INTERVAL_MS: "1000", WF_RECONCILE_RECHECK_MS: "2000", WF_STALLED_INTERVAL_MS: "1000" });
  processes.push(gateway);
  const worker = await startPipelineWorker({ ...env, WF_JOB_LOCK_MS: "10000", WF_STALLED_INTERVAL_MS: "1000", WF_CONCURRENCY: "16", LOG_LEVEL: "warn", WF_RESOURCES: "gpu=1" });
  processes.push(worker);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${base}/v1/tasks/supported-tasks`).catch(() => undefined))?.ok ? true : undefined), 20_000, `the gateway (${gateway.output()})`);

  const post = (body: unknown) =>
    fetch(`${base}/v1/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  // Before the load: nodes that run across the failover, each followed by an event stream of
  // its own (which must outlast the failover), and GPU nodes that take the one slot in turn.
  const followed = Array.from({ length: STREAMS }, (_, i) => `task-${kind}-${waitReplicas}-follow-${i}`);
  const gpuTasks = Array.from({ length: GPU_TASKS }, (_, i) => `task-${kind}-${waitReplicas}-gpu-${i}`);
  for (const taskId of followed) expect((await post({ task_id: taskId, task_name: "pipe.slow", input_data: { ms: 6_000 } })).status).toBe(200);
  for (const taskId of gpuTasks) expect((await post({ task_id: taskId, task_name: "pipe.gpu", input_data: { ms: 1_500 } })).status).toBe(200);
  const streamEnds = followed.map(async (taskId) => {
    const response = await fetch(`${base}/v1/tasks/${taskId}/events`, { signal: AbortSignal.timeout(90_000) }).catch(() => undefined);
    const text = response?.ok ? await response.text().catch(() => "") : "";
    const end = /event: end\ndata: (.*)\n/.exec(text)?.[1];
    const succeeded = text.includes('"type":"succeeded"');
    return end ? `${(JSON.parse(end) as { reason: string }).reason}${succeeded ? "" : " without succeeded"}` : "none";
  });

  const ids = Array.from({ length: TASKS }, (_, i) => `task-${kind}-${waitReplicas}-${i}`);
  const acknowledgedAt = new Map<string, number>();
  const attempts = new Map<string, string[]>();
  // Set as the kill starts (for the attempt logs); the kill's own time is known once it is done.
  let killedAt = 0;
  const acks: { sentAt: number; ackAt: number }[] = [];
  let failoverMs = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let taskId = ids[next++]; taskId; taskId = ids[next++]) {
      // A client that retries until its create is acknowledged (503 while Redis fails over).
      for (const started = Date.now(); Date.now() - started < 60_000; ) {
        const sentAt = Date.now();
        const attempt = attempts.get(taskId) ?? [];
        attempts.set(taskId, attempt);
        const response = await fetch(`${base}/v1/tasks`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ task_id: taskId, task_name: "pipe.source", input_data: { value: taskId, ms: 20 } }),
          signal: AbortSignal.timeout(5_000),
        }).catch(() => undefined);
        attempt.push(`${sentAt - (killedAt || sentAt)}ms:${response?.status ?? "none"}${response && response.status !== 200 ? `:${await response.clone().text().then((text) => text.slice(0, 80))}` : ""}`);
        if (response?.status === 200) {
          acknowledgedAt.set(taskId, Date.now());
          // The first create sent after the kill that is acknowledged: the gateway is back.
          acks.push({ sentAt, ackAt: Date.now() });
          break;
        }
        await response?.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const killer = (async () => {
    await waitFor(async () => (acknowledgedAt.size >= TASKS / 3 ? true : undefined), 60_000, "a third of the tasks to be acknowledged");
    killedAt = Date.now();
    ({ killedAt, failoverMs } = await redisUnderTest.killMaster());
  })();
  const progress = setInterval(() => console.log(`acknowledged ${acknowledgedAt.size}, next ${next}, killed ${killedAt > 0}`), 10_000);
  await Promise.all([...Array.from({ length: LANES }, lane), killer]).finally(() => clearInterval(progress));

  // Every acknowledged task ends, or reads as not found (lost): none may stay under way.
  const finals = new Map<string, string>();
  const reasons = new Set<string>();
  await waitFor(async () => {
    for (const taskId of ids) {
      if (finals.has(taskId) || !acknowledgedAt.has(taskId)) continue;
      const response = await fetch(`${base}/v1/tasks/${taskId}/status`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      if (response?.status === 404) finals.set(taskId, "lost");
      else if (response?.ok) {
        const body = (await response.json()) as { status: string; result: { error: string | null } | null };
        if (["completed", "failed", "cancelled"].includes(body.status)) finals.set(taskId, body.status);
        if (body.status === "failed") reasons.add(body.result?.error ?? "");
      } else await response?.body?.cancel();
    }
    return finals.size === acknowledgedAt.size ? true : undefined;
  }, 90_000, "every acknowledged task to end").catch(() => undefined);
  // Lost is for good: a task read as not found once (a client that reached a server being
  // turned into a replica) is read again now that everything settled.
  for (const [taskId, final] of finals) {
    if (final !== "lost") continue;
    const response = await fetch(`${base}/v1/tasks/${taskId}/status`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    if (response?.ok) finals.set(taskId, ((await response.json()) as { status: string }).status);
    else await response?.body?.cancel();
  }
  const streams = await Promise.all(streamEnds);
  const gpu = await Promise.all(
    gpuTasks.map(async (taskId) => {
      const state = await waitFor(async () => {
        const response = await fetch(`${base}/v1/tasks/${taskId}/status`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
        if (response?.status === 404) return "lost";
        const body = response?.ok ? ((await response.json()) as { status: string; result: { error: string | null } | null }) : undefined;
        if (!body || !["completed", "failed", "cancelled"].includes(body.status)) return undefined;
        return body.status === "completed" ? body.status : `${body.status}: ${body.result?.error ?? ""}`;
      }, 60_000, `GPU task ${taskId} to end`).catch(() => "stuck");
      return state;
    }),
  );
  // Reads of the test itself go to whichever server is master now.
  const redis = redisUnderTest.connect();
  const runs = await Promise.all(ids.map((taskId) => redis.llen(redisUnderTest.runsKey(taskId))));
  redis.disconnect();
  const count = (status: string) => [...finals.values()].filter((final) => final === status).length;
  const outcome: Outcome = {
    acknowledged: acknowledgedAt.size,
    completed: count("completed"),
    lost: count("lost"),
    failed: count("failed") + count("cancelled"),
    stuck: acknowledgedAt.size - finals.size,
    ranTwice: runs.filter((n) => n > 1).length,
    failoverMs,
    // The first create sent after the master died that was acknowledged: the gateway is back.
    gatewayBackMs: Math.min(...acks.filter(({ sentAt }) => sentAt > killedAt).map(({ ackAt }) => ackAt)) - killedAt,
    streams,
    gpu,
  };
  console.log(`${kind} failover, WF_REDIS_WAIT_REPLICAS=${waitReplicas}: ${JSON.stringify(outcome)} failures: ${JSON.stringify([...reasons])}`);
  for (const [taskId, final] of finals) if (final === "lost") console.log(`lost ${taskId}: ${JSON.stringify(attempts.get(taskId))}`);
  if (outcome.stuck > 0) console.log(`worker: ${worker.output().slice(-3000)}\ngateway: ${gateway.output().slice(-3000)}`);
  return outcome;
}

describe("a Redis failover under load", () => {
  it("Sentinel, with WAIT on (WF_REDIS_WAIT_REPLICAS=1): every acknowledged task completes, none lost or stuck", async () => {
    const outcome = await runWithFailover("sentinel", 1);
    expect(outcome.acknowledged).toBe(TASKS);
    expect({ completed: outcome.completed, lost: outcome.lost, failed: outcome.failed, stuck: outcome.stuck }).toEqual({ completed: TASKS, lost: 0, failed: 0, stuck: 0 });
    expect(outcome.gatewayBackMs).toBeLessThan(15_000);
    // The streams opened before the kill carried on through it to their tasks' end.
    expect(outcome.streams).toEqual(Array.from({ length: STREAMS }, () => "finished"));
    expect(outcome.gpu).toEqual(Array.from({ length: GPU_TASKS }, () => "completed"));
  }, 240_000);

  it.each(["sentinel", "cluster"] as const)("%s, with WAIT off: nothing is stuck, and what the failover lost is counted", async (kind) => {
    const outcome = await runWithFailover(kind, 0);
    expect(outcome.acknowledged).toBe(TASKS);
    expect(outcome.stuck).toBe(0);
    expect(outcome.completed + outcome.lost + outcome.failed).toBe(TASKS);
    expect(outcome.gpu).not.toContain("stuck");
  }, 240_000);
});
