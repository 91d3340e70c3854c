import { randomUUID } from "node:crypto";
import { startRedisServer, waitFor } from "@wf/testing";
import { type Queue, Worker } from "bullmq";
import { pino } from "pino";
import type { FastifyBaseLogger } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startReconciler } from "../src/reconcile/reconciler.js";
import { startHarness, type Harness } from "./harness.js";

const silent = pino({ level: "silent" }) as unknown as FastifyBaseLogger;
let h: Harness;
let queue: Queue;

beforeAll(async () => {
  // Nodes are due for their first check at once, so a pass sees them.
  h = await startHarness(inject("redisUrl"), { reconcileGraceMs: 0 });
  queue = h.ffmpegQueue;
});
afterAll(async () => {
  await h?.close();
});

const create = async (taskId: string) => {
  const response = await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "ffmpeg.extract_audio", task_id: taskId, input_data: { video_path: "/in.mp4" } } });
  expect(response.statusCode, response.body).toBe(200);
  return (await h.store.getNodeState(taskId, "ffmpeg.extract_audio"))?.stages["ffmpeg.extract_audio"]?.["job_id"] as string;
};
const stageOf = async (taskId: string) => (await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"];
const reconciler = () => startReconciler({ store: h.store, queues: h.queues, active: h.active, logger: silent, intervalMs: 60_000, recheckMs: 60_000 });

describe("reconciler: no node stays pending or running without a live job", () => {
  it("leaves a node whose job waits alone, and fails one whose job is gone or failed, naming why", async () => {
    const waiting = `task-${randomUUID()}`;
    const gone = `task-${randomUUID()}`;
    const failed = `task-${randomUUID()}`;
    // A job BullMQ fails outside any executor (as it does one stalled too often).
    const failedJob = await create(failed);
    const failing = new Worker(
      "ffmpeg_queue",
      async () => {
        throw new Error("job stalled more than allowable limit");
      },
      { connection: h.redis.duplicate({ maxRetriesPerRequest: null }), prefix: h.prefix },
    );
    await waitFor(async () => ((await (await queue.getJob(failedJob))?.getState()) === "failed" ? true : undefined));
    await failing.close();
    await create(waiting);
    const goneJob = await create(gone);
    await (await queue.getJob(goneJob))?.remove();

    const r = reconciler();
    try {
      expect(await r.runOnce()).toBe(2);
    } finally {
      await r.stop();
    }
    expect(await stageOf(waiting)).toMatchObject({ status: "PENDING" });
    expect(await stageOf(gone)).toMatchObject({ status: "FAILED", error: expect.stringMatching(/its job is gone/) });
    expect(await stageOf(failed)).toMatchObject({ status: "FAILED", error: "its job failed: job stalled more than allowable limit" });
    expect((await h.store.getWorkflowState(gone))?.error).toMatch(/^ffmpeg\.extract_audio failed: its job is gone/);
    // Settled nodes leave the set; the live one is checked again later, not now.
    const due = (await h.active.due(Date.now(), 10_000)).map((entry) => entry.taskId);
    expect(due).not.toContain(gone);
    expect(due).not.toContain(waiting);
    expect(await h.active.due(Date.now() + 120_000, 10_000)).toContainEqual({ taskId: waiting, taskName: "ffmpeg.extract_audio", attempt: expect.any(String) });
  });

  it("one pass settles every due entry, however many batches they fill", async () => {
    const taskIds = Array.from({ length: 1_050 }, () => `task-${randomUUID()}`);
    await Promise.all(
      taskIds.map(async (taskId) => {
        await h.store.createWorkflowState({ workflow_id: taskId, input_params: { task_name: "ffmpeg.extract_audio", input_data: {} }, stages: { "ffmpeg.extract_audio": { status: "SUCCESS", job_id: "j" } } });
        await h.active.add(taskId, "ffmpeg.extract_audio", Date.now() - 1_000);
      }),
    );
    const r = startReconciler({ store: h.store, queues: h.queues, active: h.active, logger: silent, intervalMs: 60_000, recheckMs: 60_000, batch: 100 });
    try {
      await r.runOnce();
    } finally {
      await r.stop();
    }
    const left = new Set((await h.active.due(Date.now(), 100_000)).map((entry) => entry.taskId));
    expect(taskIds.filter((taskId) => left.has(taskId))).toEqual([]);
  });

  it("never fails a newer attempt on the strength of an older one's job", async () => {
    const taskId = `task-${randomUUID()}`;
    const first = await create(taskId);
    await (await queue.getJob(first))?.remove();
    // The node is re-run: a new attempt with a live job replaces the first.
    await h.store.updateWorkflowState({ ...(await h.nodeView(taskId)), stages: { "ffmpeg.extract_audio": { status: "FAILED", error: "x" } } });
    const second = await create(taskId);
    const r = reconciler();
    try {
      await r.runOnce();
    } finally {
      await r.stop();
    }
    expect(await stageOf(taskId)).toMatchObject({ status: "PENDING", job_id: second });
    // The first attempt's entry is forgotten; the second's is kept for its next check.
    const entries = (await h.active.due(Date.now() + 120_000, 100_000)).filter((entry) => entry.taskId === taskId);
    expect(entries).toEqual([{ taskId, taskName: "ffmpeg.extract_audio", attempt: second }]);
  });

  it("one reconciler per deployment: a second replica stands by while the first holds the lease", async () => {
    const taskId = `task-${randomUUID()}`;
    const jobId = await create(taskId);
    await (await queue.getJob(jobId))?.remove();
    expect(await h.active.claimReconcilerLease("another-replica", 60_000)).toBe(true);
    const r = reconciler();
    try {
      expect(await r.runOnce()).toBe(0);
      expect(await stageOf(taskId)).toMatchObject({ status: "PENDING" });
    } finally {
      await r.stop();
    }
    await h.redis.del(h.store.keys.reconcilerLease(h.prefix));
    const next = reconciler();
    try {
      expect(await next.runOnce()).toBeGreaterThanOrEqual(1);
      expect(await stageOf(taskId)).toMatchObject({ status: "FAILED" });
    } finally {
      await next.stop();
    }
  });
});

describe("create is all or nothing", () => {
  it("when the enqueue fails: 503; once the queue answers again, a new task leaves nothing, a node added to a task ends FAILED, and no job", async () => {
    // The queues live on a Redis of their own, which goes away; the state Redis stays up.
    const queueServer = await startRedisServer();
    const broken = await startHarness(inject("redisUrl"), { queueRedisUrl: queueServer.url });
    const opened = await broken.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/in.mp4" } } });
    expect(opened.statusCode).toBe(200);
    await queueServer.pause();
    try {
      const fresh = `task-${randomUUID()}`;
      const refused = await broken.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "ffmpeg.extract_audio", task_id: fresh, input_data: { video_path: "/in.mp4" } } });
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error.code).toBe("QUEUE_UNAVAILABLE");

      const taskId = `task-${randomUUID()}`;
      await broken.store.createWorkflowState({ workflow_id: taskId, input_params: { task_name: "other.node" }, stages: { "other.node": { status: "SUCCESS" } } });
      const response = await broken.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "ffmpeg.extract_audio", task_id: taskId, input_data: { video_path: "/in.mp4" } } });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe("QUEUE_UNAVAILABLE");
      const jobId = (await broken.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.["job_id"] as string;
      // Resubmitting is not answered "already queued".
      const retry = await broken.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "ffmpeg.extract_audio", task_id: taskId, input_data: { video_path: "/in.mp4" } } });
      expect(retry.json().error.code).toBe("QUEUE_UNAVAILABLE");
      // Whether a job reached the queue is asked of the queue itself: undone once it answers.
      await queueServer.start();
      await waitFor(async () => ((await broken.store.getWorkflowState(fresh)) === null ? true : undefined), 15_000, "the new task to be removed");
      const stage = await waitFor(async () => {
        const found = (await broken.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"];
        return found?.status === "FAILED" ? found : undefined;
      }, 15_000, "the added node to end FAILED");
      expect(stage.error).toMatch(/could not enqueue/);
      // Nothing reached the queue: no job can run the 503'd node later.
      expect(await broken.queues.jobStatus("ffmpeg.extract_audio", jobId)).toBeUndefined();
    } finally {
      await broken.close();
      await queueServer.stop();
    }
  });
});
