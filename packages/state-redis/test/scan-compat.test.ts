import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createStateStore } from "../src/index.js";
import { buildContext, uniqueTaskId } from "./fixtures.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

/** Writes a node the way the original Python service did: a plain SETEX, no index. */
async function writeRaw(taskId: string, taskName: string, status: string): Promise<void> {
  const node = buildContext(taskId, taskName, status);
  await redis.setex(`${taskId}:node:${taskName}`, 86_400, JSON.stringify({ ...node, stages: { [taskName]: { status: status.toLowerCase() } } }));
}

describe("scan read strategy (compatibility with writers that keep no index)", () => {
  const store = createStateStore({ redis, readStrategy: "scan", scanCount: 10 });

  it("reads and normalises keys written raw by another writer", async () => {
    const taskId = uniqueTaskId("legacy");
    await writeRaw(taskId, "ffmpeg.extract_audio", "SUCCESS");
    await writeRaw(taskId, "faster_whisper.transcribe", "PENDING");
    const merged = await store.getWorkflowState(taskId);
    expect(merged?.stages["ffmpeg.extract_audio"]?.status).toBe("SUCCESS");
    expect(merged?.stages["faster_whisper.transcribe"]?.status).toBe("PENDING");
  });

  it("the index strategy does not see raw keys; the scan strategy does", async () => {
    const taskId = uniqueTaskId("legacy");
    await writeRaw(taskId, "ffmpeg.extract_audio", "SUCCESS");
    expect(await createStateStore({ redis }).getWorkflowState(taskId)).toBeNull();
    expect(await store.getWorkflowState(taskId)).not.toBeNull();
  });

  it("deletes raw and indexed keys of the task and nothing of a prefix-sharing task", async () => {
    const taskId = uniqueTaskId("legacy");
    await writeRaw(taskId, "ffmpeg.extract_audio", "SUCCESS");
    await store.createWorkflowState(buildContext(taskId, "faster_whisper.transcribe"));
    await writeRaw(`${taskId}0`, "ffmpeg.extract_audio", "SUCCESS");
    expect(await store.deleteWorkflowState(taskId)).toBe(2);
    expect(await store.getWorkflowState(taskId)).toBeNull();
    expect(await store.getWorkflowState(`${taskId}0`)).not.toBeNull();
  });
});
