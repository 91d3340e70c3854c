import { randomUUID } from "node:crypto";
import { startRedisServer, type RedisServerHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

// WF_REDIS_WAIT_REPLICAS: a create is acknowledged only once a replica has it.

let alone: Harness;
let replicated: Harness;
let master: RedisServerHandle;
let replica: RedisServerHandle;
beforeAll(async () => {
  // The suite's Redis has no replica; this pair has one.
  alone = await startHarness(inject("redisUrl"), { replication: { replicas: 1, timeoutMs: 200 } });
  master = await startRedisServer({ args: ["--repl-diskless-sync-delay", "0"] });
  replica = await startRedisServer({ args: ["--replicaof", "127.0.0.1", String(master.port)] });
  const toReplica = new Redis(replica.url);
  while (!(await toReplica.info("replication")).includes("master_link_status:up")) await new Promise((resolve) => setTimeout(resolve, 100));
  toReplica.disconnect();
  replicated = await startHarness(master.url, { replication: { replicas: 1, timeoutMs: 1_000 } });
}, 30_000);
afterAll(async () => {
  await alone?.close();
  await replicated?.close();
  await Promise.all([replica?.stop(), master?.stop()]);
});

const create = (h: Harness, taskId: string) =>
  h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_id: taskId, task_name: "ffmpeg.extract_audio", input_data: { video_path: "https://example.com/v.mp4" } } });

describe("acknowledged means replicated", () => {
  it("without a replica, a create is 503 STORE_NOT_REPLICATED (it may be kept: a retry is safe)", async () => {
    const taskId = `task-${randomUUID()}`;
    const response = await create(alone, taskId);
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ code: "STORE_NOT_REPLICATED", message: expect.stringMatching(/reached 0 of 1 replicas within 200 ms/) });
    expect(response.headers["retry-after"]).toBe("1");
    // Reads are not held back.
    expect((await alone.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` })).statusCode).toBe(200);
  });

  it("with a replica in sync, a create is answered once the replica has it", async () => {
    const taskId = `task-${randomUUID()}`;
    const response = await create(replicated, taskId);
    expect(response.statusCode, response.body).toBe(200);
    const onReplica = new Redis(replica.url);
    expect(await onReplica.exists(`${taskId}:node:ffmpeg.extract_audio`)).toBe(1);
    onReplica.disconnect();
  });
});
