import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createStateStore } from "../src/index.js";
import { buildContext, uniqueTaskId } from "./fixtures.js";

// Keys written by a real Python process with redis-py, in the layout the shipped Python state
// manager uses: `{task_id}:{service}:{function}`.
const redisUrl = inject("redisUrl");
const redis = new Redis(redisUrl);
afterAll(() => redis.quit());
const script = fileURLToPath(new URL("./python/write_legacy_node.py", import.meta.url));

async function writeWithPython(taskId: string, taskName: string, status: string, updatedAt: string): Promise<void> {
  await promisify(execFile)("/usr/bin/python3", [script, redisUrl, taskId, taskName, status, updatedAt]);
}

describe("legacy {task_id}:{service}:{function} keys (migration from the Python services)", () => {
  const store = createStateStore({ redis, legacyKeys: true });
  const plain = createStateStore({ redis });

  it("reads a task written only by Python, normalising its statuses", async () => {
    const taskId = uniqueTaskId("py");
    await writeWithPython(taskId, "ffmpeg.extract_audio", "success", "2026-01-29T00:00:05");
    expect(await redis.exists(`${taskId}:ffmpeg:extract_audio`)).toBe(1);
    const task = await store.getWorkflowState(taskId);
    expect(task?.stages["ffmpeg.extract_audio"]).toMatchObject({ status: "SUCCESS", output: { written_by: "python" } });
    expect((await store.getNodeState(taskId, "ffmpeg.extract_audio"))?.stages["ffmpeg.extract_audio"]?.status).toBe("SUCCESS");
    // Off by default: a store without the option does not see them.
    expect(await plain.getWorkflowState(taskId)).toBeNull();
  });

  it("aggregates a task with nodes in both layouts; the newest view gives the top-level fields", async () => {
    const taskId = uniqueTaskId("py");
    await writeWithPython(taskId, "ffmpeg.extract_audio", "SUCCESS", "2000-01-01T00:00:00");
    await store.createWorkflowState(buildContext(taskId, "ffmpeg.split_audio_segments", "IN_PROGRESS"));
    await writeWithPython(taskId, "faster_whisper.transcribe_audio", "pending", "2000-01-01T00:00:01");
    const task = await store.getWorkflowState(taskId);
    expect(Object.keys(task?.stages ?? {}).sort()).toEqual(["faster_whisper.transcribe_audio", "ffmpeg.extract_audio", "ffmpeg.split_audio_segments"]);
    expect(task?.stages["faster_whisper.transcribe_audio"]?.status).toBe("PENDING");
    expect(task?.input_params.task_name).toBe("ffmpeg.split_audio_segments");
  });

  it("deletes both layouts and nothing of a prefix-sharing task or another key shape", async () => {
    const taskId = uniqueTaskId("py");
    const neighbour = `${taskId}0`;
    await writeWithPython(taskId, "ffmpeg.extract_audio", "SUCCESS", "2026-01-29T00:00:05");
    await store.createWorkflowState(buildContext(taskId, "ffmpeg.split_audio_segments"));
    await writeWithPython(neighbour, "ffmpeg.extract_audio", "SUCCESS", "2026-01-29T00:00:05");
    // Not a legacy node key of the task: three colons, or not <service>:<function>.
    await redis.set(`${taskId}:a:b:c`, "keep");
    await redis.set(`${taskId}:Bad:Name`, "keep");
    expect(await store.deleteWorkflowState(taskId)).toBe(2);
    expect(await store.getWorkflowState(taskId)).toBeNull();
    expect(await redis.exists(`${taskId}:ffmpeg:extract_audio`, `${taskId}:node:ffmpeg.split_audio_segments`, `${taskId}:nodes`)).toBe(0);
    expect(await redis.exists(`${taskId}:a:b:c`, `${taskId}:Bad:Name`, `${neighbour}:ffmpeg:extract_audio`)).toBe(3);
    await redis.unlink(`${taskId}:a:b:c`, `${taskId}:Bad:Name`, `${neighbour}:ffmpeg:extract_audio`);
  });

  it("skips and reports a corrupt legacy value; the rest still reads", async () => {
    const taskId = uniqueTaskId("py");
    const reported: string[] = [];
    const reporting = createStateStore({ redis, legacyKeys: true, onCorruptNode: (event) => reported.push(event.key) });
    await writeWithPython(taskId, "ffmpeg.extract_audio", "SUCCESS", "2026-01-29T00:00:05");
    await redis.setex(`${taskId}:ffmpeg:extract_keyframes`, 60, "{not json");
    const task = await reporting.getWorkflowState(taskId);
    expect(Object.keys(task?.stages ?? {})).toEqual(["ffmpeg.extract_audio"]);
    expect(reported).toEqual([`${taskId}:ffmpeg:extract_keyframes`]);
    await reporting.deleteWorkflowState(taskId);
  });
});
