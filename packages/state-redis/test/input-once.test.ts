import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createStateStore } from "../src/index.js";
import { uniqueTaskId } from "./fixtures.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());
const store = createStateStore({ redis });

describe("typed writes", () => {
  it("refuses at compile time what is not a WorkflowContext, and at run time too", async () => {
    // @ts-expect-error -- not a WorkflowContext: tsc must reject this line
    await expect(store.createWorkflowState({ totally: "wrong" })).rejects.toMatchObject({ code: "INVALID_CONTEXT" });
  });
});

describe("a node's input is stored once", () => {
  it("a stage whose input_params equal the request's input_data keeps one copy, and reads back whole", async () => {
    const taskId = uniqueTaskId();
    const input = { video_path: "/in.mp4", notes: "x".repeat(200_000) };
    await store.createWorkflowState({
      workflow_id: taskId,
      input_params: { task_name: "ffmpeg.extract_audio", input_data: input },
      stages: { "ffmpeg.extract_audio": { status: "PENDING", input_params: input } },
    });
    const size = await redis.strlen(store.nodeKey(taskId, "ffmpeg.extract_audio"));
    expect(size).toBeGreaterThan(200_000);
    expect(size).toBeLessThan(210_000);
    expect((await store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.input_params).toEqual(input);
    expect((await store.getNodeState(taskId, "ffmpeg.extract_audio"))?.stages["ffmpeg.extract_audio"]?.input_params).toEqual(input);
  });

  it("a stage that ran with other input (placeholders resolved) keeps its own", async () => {
    const taskId = uniqueTaskId();
    await store.createWorkflowState({
      workflow_id: taskId,
      input_params: { task_name: "ffmpeg.split_audio_segments", input_data: {} },
      stages: { "ffmpeg.split_audio_segments": { status: "IN_PROGRESS", input_params: { audio_path: "/t/a.wav" } } },
    });
    expect((await store.getWorkflowState(taskId))?.stages["ffmpeg.split_audio_segments"]?.input_params).toEqual({ audio_path: "/t/a.wav" });
  });
});
