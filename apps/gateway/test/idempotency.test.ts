import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
let queue: Queue;
beforeAll(async () => {
  h = await startHarness(inject("redisUrl"));
  queue = h.ffmpegQueue;
});
afterAll(async () => {
  await h?.close();
});

const jobsOf = async (taskId: string) => (await queue.getJobs(["waiting", "active", "completed", "failed", "delayed"])).filter((job) => job.data.task_id === taskId);

async function failedTask(): Promise<string> {
  const taskId = `task-${randomUUID()}`;
  await h.store.createWorkflowState({
    workflow_id: taskId,
    status: "failed",
    input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/x.mp4" } },
    stages: { "ffmpeg.extract_audio": { status: "FAILED", error: "boom" } },
  });
  return taskId;
}

describe("Idempotency-Key", () => {
  it("10 concurrent retries with one key make one new task, and all get its answer", async () => {
    const taskId = await failedTask();
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => h.app.inject({ method: "POST", url: `/v1/tasks/${taskId}/retry`, headers: { "idempotency-key": key } })),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(new Array(10).fill(200));
    const ids = new Set(answers.map((answer) => answer.json().task_id));
    expect(ids.size).toBe(1);
    expect(answers.filter((answer) => answer.headers["idempotent-replayed"] === "true")).toHaveLength(9);
    const [retryId] = [...ids] as [string];
    expect(await jobsOf(retryId)).toHaveLength(1);
    const retries = (await h.redis.keys(`${taskId}-retry-*:nodes`)).length;
    expect(retries).toBe(1);
  });

  it("a create repeated with its key answers the same task and queues nothing more", async () => {
    const key = randomUUID();
    const payload = { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/in.mp4" } };
    const first = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "idempotency-key": key }, payload });
    const again = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "idempotency-key": key }, payload });
    expect(again.json()).toEqual(first.json());
    expect(await jobsOf(first.json().task_id)).toHaveLength(1);
  });

  it("the same key with another body is a 409, and a failed request can be retried with its key", async () => {
    const key = randomUUID();
    await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "idempotency-key": key }, payload: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/a.mp4" } } });
    const other = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "idempotency-key": key }, payload: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/b.mp4" } } });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe("IDEMPOTENCY_KEY_REUSED");

    const failing = randomUUID();
    const bad = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "idempotency-key": failing }, payload: { task_name: "nobody.runs_this", input_data: {} } });
    expect(bad.statusCode).toBe(400);
    const fixed = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "idempotency-key": failing }, payload: { task_name: "nobody.runs_this", input_data: {} } });
    expect(fixed.headers["idempotent-replayed"]).toBeUndefined();
  });
});
