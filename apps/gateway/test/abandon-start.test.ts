import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { GatewayDeps } from "../src/deps.js";
import { abandonStart } from "../src/tasks/abandon-start.js";
import { startHarness, type Harness } from "./harness.js";

// Undoing a create whose enqueue failed must not undo another request's create of the same
// task id: a client that retried (during a failover) may already have been answered for it.

let h: Harness;
beforeAll(async () => {
  h = await startHarness(inject("redisUrl"));
});
afterAll(async () => {
  await h?.close();
});

// What abandonStart uses of the gateway's dependencies: the harness's own.
const deps = () => ({ store: h.store, queues: h.queues, redis: h.redis }) as unknown as GatewayDeps;

async function createdWith(video: string) {
  const taskId = `task-${randomUUID()}`;
  const response = await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_id: taskId, task_name: "ffmpeg.extract_audio", input_data: { video_path: video } } });
  expect(response.statusCode, response.body).toBe(200);
  const view = await h.nodeView(taskId);
  return { taskId, view, jobId: String(view.stages["ffmpeg.extract_audio"]?.["job_id"]) };
}

describe("abandoning a start", () => {
  it("removes the task it created", async () => {
    const { taskId, view, jobId } = await createdWith("https://example.com/a.mp4");
    // As after an enqueue that did not reach Redis: no job.
    expect(await h.queues.removeJob("ffmpeg.extract_audio", jobId)).toBe(true);
    await abandonStart(deps(), { view, taskName: "ffmpeg.extract_audio", jobId, reason: "queue down", newTask: true }, h.app.log);
    expect(await h.store.getWorkflowState(taskId)).toBeNull();
  });

  it("keeps a start whose job reached its queue after all (the enqueue's reply was lost)", async () => {
    // A client that retried its create was told the node is queued: it must stay so.
    const { taskId, view, jobId } = await createdWith("https://example.com/c.mp4");
    await abandonStart(deps(), { view, taskName: "ffmpeg.extract_audio", jobId, reason: "queue down", newTask: true }, h.app.log);
    expect((await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]).toMatchObject({ status: "PENDING", job_id: jobId });
    expect((await h.queues.jobStatus("ffmpeg.extract_audio", jobId))?.state).toBeDefined();
    await abandonStart(deps(), { view, taskName: "ffmpeg.extract_audio", jobId, reason: "queue down", newTask: false }, h.app.log);
    expect((await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("PENDING");
  });

  it("leaves a task whose node ran, although its job is gone from the queue", async () => {
    const { taskId, view, jobId } = await createdWith("https://example.com/d.mp4");
    await h.queues.removeJob("ffmpeg.extract_audio", jobId);
    const stage = view.stages["ffmpeg.extract_audio"];
    await h.store.updateWorkflowState({ ...view, stages: { "ffmpeg.extract_audio": { ...stage, status: "SUCCESS" } } }, { attempt: jobId });
    await abandonStart(deps(), { view, taskName: "ffmpeg.extract_audio", jobId, reason: "queue down", newTask: true }, h.app.log);
    expect((await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("SUCCESS");
  });

  it("leaves a task that a later create of the same id owns now", async () => {
    const { taskId, view, jobId } = await createdWith("https://example.com/b.mp4");
    const late = { view, taskName: "ffmpeg.extract_audio", jobId: `${taskId}.ffmpeg.extract_audio.0ld0ld00`, reason: "queue down", newTask: true };
    await abandonStart(deps(), late, h.app.log);
    expect((await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.["job_id"]).toBe(jobId);
    await abandonStart(deps(), { ...late, newTask: false }, h.app.log);
    expect((await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("PENDING");
  });
});
