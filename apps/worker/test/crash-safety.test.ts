import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createActiveNodes, createKeySpace, createStateStore } from "@wf/state-redis";
import { waitFor } from "@wf/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { enqueueNode } from "./enqueue.js";

const run = promisify(execFile);
const redis = new Redis(inject("redisUrl"));
const store = createStateStore({ redis });
const prefix = `wf-crash-${randomUUID()}`;
// The gateway's reconciler watch, scoped by the queue prefix the worker processes use.
const active = createActiveNodes({ redis, scope: prefix });
let root: string;
let queue: Queue;
const children: ChildProcess[] = [];

/** Starts the slow-worker fixture in its own process group, so the test can kill it whole. */
async function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "fixtures", "slow-worker.mjs")], {
    env: { ...process.env, REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: root, WF_QUEUE_PREFIX: prefix },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`worker exited early with ${code}`)));
  });
  return child;
}

/** Pids of ffmpeg processes whose command line carries this marker. */
async function ffmpegPids(marker: string): Promise<string[]> {
  const { stdout } = await run("pgrep", ["-f", marker]).catch(() => ({ stdout: "" }));
  return stdout.split("\n").filter(Boolean);
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function enqueueSlow(seconds: number) {
  const taskId = `task-${randomUUID()}`;
  const frequency = randomInt(1000, 9000);
  const runsFile = join(root, `${taskId}.runs`);
  await enqueueNode(store, queue, "test.slow", { seconds, frequency, runs_file: runsFile }, { taskId, active });
  const stage = async () => (await store.getWorkflowState(taskId))?.stages["test.slow"];
  const watched = async () => (await active.due(Date.now(), 100_000)).some((entry) => entry.taskId === taskId);
  return { taskId, marker: `sine=frequency=${frequency}:`, runsFile, stage, watched };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-crash-"));
  queue = new Queue("test_queue", { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix });
});
/** Kills every worker process group a test started (ffmpeg children included). */
async function killAll(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      continue; // already gone
    }
    await exited;
  }
}

afterEach(killAll);
afterAll(async () => {
  await queue?.close();
  await redis.quit();
  await rm(root, { recursive: true, force: true });
});

describe("crash safety with real processes", () => {
  it("a worker killed with SIGKILL mid-node: another worker takes the job over and the node succeeds once", async () => {
    const first = await startWorkerProcess();
    const job = await enqueueSlow(3);
    await waitFor(async () => ((await job.stage())?.status === "IN_PROGRESS" ? true : undefined), 15_000, "the node to start");
    process.kill(-(first.pid as number), "SIGKILL");
    await waitFor(async () => (first.exitCode !== null || first.signalCode !== null ? true : undefined), 5_000, "the worker to die");

    // A worker killed mid-node never reported back: its node stays on the reconciler's watch.
    expect(await job.watched()).toBe(true);

    await startWorkerProcess();
    await waitFor(async () => ((await job.stage())?.status === "SUCCESS" ? true : undefined), 30_000, "the node to succeed");
    const runs = (await readFile(job.runsFile, "utf8")).split("\n").filter(Boolean);
    expect(runs).toHaveLength(1);
    expect(runs[0]).not.toBe(String(first.pid));
    // The worker that finished it took it off.
    await waitFor(async () => ((await job.watched()) ? undefined : true), 5_000, "the finished node to leave the watch");
  });

  it("no ffmpeg outlives a worker killed with SIGKILL (the worker's pid alone, not its group)", async () => {
    const worker = await startWorkerProcess();
    const job = await enqueueSlow(60);
    const [ffmpeg] = await waitFor(async () => {
      const pids = await ffmpegPids(job.marker);
      return pids.length > 0 ? pids : undefined;
    }, 15_000, "ffmpeg to run");
    const ffmpegPid = Number(ffmpeg);
    expect(processAlive(ffmpegPid)).toBe(true);
    process.kill(worker.pid as number, "SIGKILL");
    await waitFor(async () => (processAlive(ffmpegPid) ? undefined : true), 3_000, `ffmpeg ${ffmpegPid} to die with its worker`);
  });

  it("a job stalled more often than BullMQ allows ends its node FAILED, not stuck", async () => {
    const job = await enqueueSlow(60);
    for (let crash = 0; crash < 2; crash++) {
      const seen = new Set(await ffmpegPids(job.marker));
      const worker = await startWorkerProcess();
      await waitFor(async () => ((await ffmpegPids(job.marker)).some((pid) => !seen.has(pid)) ? true : undefined), 20_000, `run ${crash + 1} to start`);
      process.kill(-(worker.pid as number), "SIGKILL");
      await waitFor(async () => (worker.exitCode !== null || worker.signalCode !== null ? true : undefined), 5_000, "the worker to die");
    }
    expect((await job.stage())?.status).toBe("IN_PROGRESS");
    await startWorkerProcess();
    const stage = await waitFor(async () => {
      const current = await job.stage();
      return current?.status === "FAILED" ? current : undefined;
    }, 20_000, "the node to fail");
    expect(stage.error).toMatch(/job failed outside the node: job stalled more than allowable limit/);
  });

  it("SIGTERM lets the running node finish before the worker exits", async () => {
    const worker = await startWorkerProcess();
    const job = await enqueueSlow(2);
    await waitFor(async () => ((await job.stage())?.status === "IN_PROGRESS" ? true : undefined), 15_000, "the node to start");
    const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
    worker.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect((await job.stage())?.status).toBe("SUCCESS");
  });

  it("cancelling a running node aborts its handler and kills its ffmpeg process", async () => {
    await startWorkerProcess();
    const job = await enqueueSlow(30);
    await waitFor(async () => ((await job.stage())?.status === "IN_PROGRESS" ? true : undefined), 15_000, "the node to start");
    await waitFor(async () => ((await ffmpegPids(job.marker)).length > 0 ? true : undefined), 5_000, "ffmpeg to run");
    await redis.publish(createKeySpace("plain").cancelChannel, JSON.stringify({ task_id: job.taskId, task_name: "test.slow" }));
    const stage = await waitFor(async () => {
      const current = await job.stage();
      return current?.status === "CANCELLED" ? current : undefined;
    }, 10_000, "the node to be cancelled");
    expect(stage.error).toBe("cancelled");
    await waitFor(async () => ((await ffmpegPids(job.marker)).length === 0 ? true : undefined), 5_000, "ffmpeg to be gone");
    await expect(readFile(job.runsFile, "utf8")).rejects.toThrow();
  });
});
