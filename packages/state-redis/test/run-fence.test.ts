import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createStateStore } from "../src/index.js";
import { buildContext, uniqueTaskId } from "./fixtures.js";

// The run fence: a worker that lost its job (cut off longer than the job's lock) cannot write
// over the worker that took the job over, whatever order their writes arrive in.

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());
const store = createStateStore({ redis });
const taskName = "ffmpeg.extract_audio";

function view(taskId: string, status: string, stage: Record<string, unknown>) {
  const context = buildContext(taskId, taskName, status);
  return { ...context, stages: { [taskName]: { ...context.stages[taskName], output: null, ...stage, status } } };
}

describe("a run of an attempt fences the others", () => {
  it("a later take claims the node; the earlier take's writes are refused, its claim too", async () => {
    const taskId = uniqueTaskId();
    const job = `${taskId}.job`;
    await store.createWorkflowState(view(taskId, "PENDING", { job_id: job }));
    const write = (status: string, run: string, claim: boolean, extra: Record<string, unknown> = {}) =>
      store.updateWorkflowState(view(taskId, status, { job_id: job, run_id: run, ...extra }), { attempt: job, run: { id: run, claim } });

    expect((await write("IN_PROGRESS", "1.aaaa", true)).written).toBe(true);
    expect((await write("IN_PROGRESS", "1.aaaa", false, { progress: 40 })).written).toBe(true);
    // The first worker is cut off; BullMQ hands the job to another, whose first write claims it.
    expect((await write("IN_PROGRESS", "2.bbbb", true)).written).toBe(true);
    // The first worker comes back: its writes, and even a claim of its (earlier) take, are refused.
    expect(await write("IN_PROGRESS", "1.aaaa", false, { progress: 90 })).toMatchObject({ written: false, reason: "SUPERSEDED" });
    expect(await write("SUCCESS", "1.aaaa", false)).toMatchObject({ written: false, reason: "SUPERSEDED" });
    expect(await write("IN_PROGRESS", "1.aaaa", true)).toMatchObject({ written: false, reason: "SUPERSEDED" });
    expect((await write("SUCCESS", "2.bbbb", false, { output: { audio_path: "/b.wav" } })).written).toBe(true);
    const stored = (await store.getNodeState(taskId, taskName))?.stages[taskName];
    expect(stored).toMatchObject({ status: "SUCCESS", run_id: "2.bbbb", output: { audio_path: "/b.wav" } });
  });

  it("an earlier take's late claim that lands first is taken over by the later take", async () => {
    const taskId = uniqueTaskId();
    const job = `${taskId}.job`;
    await store.createWorkflowState(view(taskId, "PENDING", { job_id: job }));
    const write = (status: string, run: string, claim: boolean) =>
      store.updateWorkflowState(view(taskId, status, { job_id: job, run_id: run }), { attempt: job, run: { id: run, claim } });
    expect((await write("IN_PROGRESS", "1.aaaa", true)).written).toBe(true);
    expect((await write("IN_PROGRESS", "3.cccc", true)).written).toBe(true);
    expect(await write("IN_PROGRESS", "2.bbbb", true)).toMatchObject({ written: false, reason: "SUPERSEDED" });
  });

  it("writes without a run (the gateway's) are not fenced", async () => {
    const taskId = uniqueTaskId();
    const job = `${taskId}.job`;
    await store.createWorkflowState(view(taskId, "PENDING", { job_id: job }));
    await store.updateWorkflowState(view(taskId, "IN_PROGRESS", { job_id: job, run_id: "1.aaaa" }), { attempt: job, run: { id: "1.aaaa", claim: true } });
    expect((await store.updateWorkflowState(view(taskId, "CANCELLED", { job_id: job, run_id: "1.aaaa" }))).written).toBe(true);
  });
});
