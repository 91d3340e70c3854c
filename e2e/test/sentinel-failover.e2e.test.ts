import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startRedisSentinel, waitFor, type RedisSentinelHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { startApp, startPipelineWorker, type AppProcess } from "./processes.js";

// Redis behind Sentinel (a master, a replica, three sentinels on loopback) loses its master to
// SIGKILL while 300 tasks are created and run; the killed server is started again, as a process
// supervisor would, and rejoins as a replica. With WAIT on, every acknowledged task completes;
// without it, what the failover loses is counted.

const TASKS = 300;
const LANES = 16;
let sentinel: RedisSentinelHandle | undefined;
let processes: AppProcess[] = [];
let root: string | undefined;

afterEach(async () => {
  await Promise.all(processes.map((process) => process.stop()));
  processes = [];
  await sentinel?.stop();
  sentinel = undefined;
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
}

async function runWithFailover(waitReplicas: number): Promise<Outcome> {
  sentinel = await startRedisSentinel();
  root = await mkdtemp(join(tmpdir(), "wf-e2e-sentinel-"));
  const port = await freePort();
  const env = {
    REDIS_URL: "redis://sentinel-managed:6379",
    REDIS_SENTINELS: sentinel.sentinelsEnv,
    REDIS_SENTINEL_MASTER: sentinel.name,
    WF_REDIS_WAIT_REPLICAS: String(waitReplicas),
    WF_REDIS_WAIT_TIMEOUT_MS: "500",
    WF_SHARED_ROOT: root,
  };
  const gateway = startApp("@wf/gateway", { ...env, PORT: String(port), HOST: "127.0.0.1", WF_RECONCILE_GRACE_MS: "2000", WF_RECONCILE_INTERVAL_MS: "1000", WF_RECONCILE_RECHECK_MS: "2000", WF_STALLED_INTERVAL_MS: "1000" });
  processes.push(gateway);
  processes.push(await startPipelineWorker({ ...env, WF_JOB_LOCK_MS: "3000", WF_STALLED_INTERVAL_MS: "1000", WF_CONCURRENCY: "16" }));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${base}/v1/tasks/supported-tasks`).catch(() => undefined))?.ok ? true : undefined), 20_000, `the gateway (${gateway.output()})`);
  // Reads of the test itself go to whichever server is master now.
  const redisNow = () => new Redis({ sentinels: sentinel!.sentinels, name: sentinel!.name, maxRetriesPerRequest: 3 });

  const ids = Array.from({ length: TASKS }, (_, i) => `task-sf-${waitReplicas}-${i}`);
  const acknowledgedAt = new Map<string, number>();
  let killedAt = 0;
  let gatewayBackAt = 0;
  let failoverMs = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let taskId = ids[next++]; taskId; taskId = ids[next++]) {
      // A client that retries until its create is acknowledged (503 while Redis fails over).
      for (const started = Date.now(); Date.now() - started < 60_000; ) {
        const sentAt = Date.now();
        const response = await fetch(`${base}/v1/tasks`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ task_id: taskId, task_name: "pipe.source", input_data: { value: taskId, ms: 20 } }),
          signal: AbortSignal.timeout(5_000),
        }).catch(() => undefined);
        if (response?.status === 200) {
          acknowledgedAt.set(taskId, Date.now());
          // The first create sent after the kill that is acknowledged: the gateway is back.
          if (killedAt > 0 && sentAt > killedAt && gatewayBackAt === 0) gatewayBackAt = Date.now();
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
    const failover = await sentinel!.killMaster();
    failoverMs = failover.failoverMs;
    // Its supervisor starts it again (empty: no persistence); the sentinels make it a replica of
    // the new master, which WAIT then counts again.
    await failover.killed.start();
  })();
  const progress = setInterval(() => console.log(`acknowledged ${acknowledgedAt.size}, next ${next}, killed ${killedAt > 0}`), 10_000);
  await Promise.all([...Array.from({ length: LANES }, lane), killer]).finally(() => clearInterval(progress));

  // Every acknowledged task ends, or reads as not found (lost): none may stay under way.
  const finals = new Map<string, string>();
  await waitFor(async () => {
    for (const taskId of ids) {
      if (finals.has(taskId) || !acknowledgedAt.has(taskId)) continue;
      const response = await fetch(`${base}/v1/tasks/${taskId}/status`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      if (response?.status === 404) finals.set(taskId, "lost");
      else if (response?.ok) {
        const body = (await response.json()) as { status: string };
        if (["completed", "failed", "cancelled"].includes(body.status)) finals.set(taskId, body.status);
      } else await response?.body?.cancel();
    }
    return finals.size === acknowledgedAt.size ? true : undefined;
  }, 90_000, "every acknowledged task to end").catch(() => undefined);
  const redis = redisNow();
  const runs = await Promise.all(ids.map((taskId) => redis.llen(`pipe-runs:${taskId}`)));
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
    gatewayBackMs: gatewayBackAt - killedAt,
  };
  console.log(`sentinel failover, WF_REDIS_WAIT_REPLICAS=${waitReplicas}: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe("a Sentinel failover under load", () => {
  it("with WAIT on (WF_REDIS_WAIT_REPLICAS=1): every acknowledged task completes, none stuck", async () => {
    const outcome = await runWithFailover(1);
    expect(outcome.acknowledged).toBe(TASKS);
    expect({ completed: outcome.completed, lost: outcome.lost, failed: outcome.failed, stuck: outcome.stuck }).toEqual({ completed: TASKS, lost: 0, failed: 0, stuck: 0 });
    expect(outcome.gatewayBackMs).toBeLessThan(15_000);
  }, 240_000);

  it("with WAIT off: nothing is stuck, and what the failover lost is counted", async () => {
    const outcome = await runWithFailover(0);
    expect(outcome.acknowledged).toBe(TASKS);
    expect(outcome.stuck).toBe(0);
    expect(outcome.completed + outcome.lost + outcome.failed).toBe(TASKS);
  }, 240_000);
});
