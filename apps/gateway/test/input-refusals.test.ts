import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

// Inputs that can never work are refused at the door, with a 400 naming the field, and leave no
// key and no job behind.

let h: Harness;
let inputs: string;

beforeAll(async () => {
  h = await startHarness(inject("redisUrl"), { inputRoots: (sharedRoot) => [join(sharedRoot, "inputs")] });
  inputs = join(h.sharedRoot, "inputs");
});
afterAll(async () => {
  await h?.close();
});

async function create(payload: Record<string, unknown>) {
  const taskId = `task-${randomUUID()}`;
  const response = await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_id: taskId, ...payload } });
  return { taskId, response };
}

async function expectRefused(payload: Record<string, unknown>, message: RegExp) {
  const { taskId, response } = await create(payload);
  expect(response.statusCode, response.body).toBe(400);
  const { error } = response.json() as { error: { code: string; message: string } };
  expect(error.code).toBe("INVALID_INPUT");
  expect(error.message).toMatch(message);
  expect(await h.redis.keys(`*${taskId}*`)).toEqual([]);
  expect((await h.ffmpegQueue.getJobCounts()).wait ?? 0).toBe(0);
  return error;
}

const node = (video_path: unknown) => ({ task_name: "ffmpeg.extract_audio", input_data: { video_path } });

describe("inputs that can never work are refused at create", () => {
  it.each([
    ["a relative path", "videos/demo.mp4", /input_data\.video_path must be an absolute path/],
    ["a file: URL", "file:///etc/passwd", /input_data\.video_path must be a plain absolute path, not a file: URL/],
    ["another scheme", "ftp://example.com/a.mp4", /input_data\.video_path must be an absolute path, an http\(s\) URL or an s3:\/\/ or minio:\/\/ object/],
    ["a NUL byte", "/share/in\u0000.mp4", /input_data\.video_path must not contain a NUL byte/],
    ["a path outside the roots", "/etc/passwd", /input_data\.video_path is outside the input roots/],
    ["a traversal out of the roots", "INPUTS/../../etc/passwd", /input_data\.video_path is outside the input roots/],
    ["another task's folder", "TASKS/task-other/nodes/x/a.wav", /input_data\.video_path is in another task's folder/],
    ["a nested placeholder", "${{ stages.${{ stages.a.output.b }}.output.c }}", /input_data\.video_path: a placeholder must be the whole value/],
    ["a placeholder inside text", "/share/${{ stages.ffmpeg.extract_audio.output.audio_path }}", /a placeholder must be the whole value/],
  ])("%s", async (_what, value, message) => {
    const path = value.replace("INPUTS", inputs).replace("TASKS", join(h.sharedRoot, "tasks"));
    await expectRefused(node(path), message);
  });

  it("a NUL byte is refused in any field, not only paths", async () => {
    await expectRefused({ task_name: "ffmpeg.extract_audio", input_data: { video_path: join(inputs, "a.mp4"), note: ["ok", "bad\u0000"] } }, /input_data\.note\[1\] must not contain a NUL byte/);
  });

  it("accepts what may work: a path in the roots, the task's own folder, URLs and placeholders", async () => {
    for (const video of [join(inputs, "demo.mp4"), "https://example.com/v.mp4"]) {
      const { response } = await create(node(video));
      expect(response.statusCode, response.body).toBe(200);
    }
    const taskId = `task-${randomUUID()}`;
    const own = await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_id: taskId, ...node(join(h.sharedRoot, "tasks", taskId, "inputs", "a.mp4")) } });
    expect(own.statusCode, own.body).toBe(200);
  });
});
