import { execFile } from "node:child_process";
import { randomInt } from "node:crypto";
import { promisify } from "node:util";
import { waitFor } from "@wf/testing";
import { defineNode, runFfmpeg, startWorker, type RunningWorker } from "@wf/worker";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { startHarness, type Harness } from "./harness.js";

const run = promisify(execFile);
const frequency = randomInt(1000, 9000);
const marker = `sine=frequency=${frequency}:`;

/** A node whose ffmpeg process runs for a minute of real time unless it is killed. */
const slowNode = defineNode({
  name: "gwtest.slow",
  input: z.object({}),
  run: async (_input, ctx) => {
    await runFfmpeg(ctx.tools.ffmpeg, ["-nostdin", "-re", "-f", "lavfi", "-i", `${marker}duration=60`, "-f", "null", "-"], ctx.signal);
    return { done: true };
  },
});

let h: Harness;
let workerRedis: Redis;
let worker: RunningWorker;

beforeAll(async () => {
  workerRedis = new Redis(inject("redisUrl"));
  h = await startHarness(inject("redisUrl"));
  worker = await startWorker({ nodes: [slowNode], redis: workerRedis, sharedRoot: h.sharedRoot, queuePrefix: h.prefix, logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await worker?.close();
  await workerRedis?.quit();
  await h?.close();
});

const ffmpegRunning = async () => (await run("pgrep", ["-f", marker]).catch(() => ({ stdout: "" }))).stdout.trim() !== "";

describe("cancelling a running node through the gateway", () => {
  it("aborts the handler on the worker, kills its ffmpeg, and leaves the node CANCELLED", async () => {
    const created = await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "gwtest.slow", input_data: {} } });
    expect(created.statusCode, created.body).toBe(200);
    const taskId = created.json().task_id as string;
    await waitFor(async () => ((await h.store.getWorkflowState(taskId))?.stages["gwtest.slow"]?.status === "IN_PROGRESS" || undefined), 15_000, "the node to start");
    await waitFor(async () => (await ffmpegRunning()) || undefined, 5_000, "ffmpeg to run");

    const response = await h.app.inject({ method: "DELETE", url: `/v1/tasks/${taskId}` });
    expect(response.statusCode).toBe(200);
    expect(response.json().cancelled).toEqual(["gwtest.slow"]);
    await waitFor(async () => (!(await ffmpegRunning()) ? true : undefined), 5_000, "ffmpeg to be killed");
    await waitFor(async () => ((await h.store.getWorkflowState(taskId))?.stages["gwtest.slow"]?.error === "cancelled" || undefined), 5_000, "the worker to record the abort");
    const state = await h.store.getWorkflowState(taskId);
    expect(state?.stages["gwtest.slow"]?.status).toBe("CANCELLED");
    expect(state?.status).toBe("cancelled");
  });
});
