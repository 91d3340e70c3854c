import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { freePort, waitFor } from "@wf/testing";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { FastifyBaseLogger } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startCallbackDelivery } from "../src/callbacks/callback-delivery.js";
import { CALLBACK_QUEUE, isPrivateAddress, type UrlPolicy } from "@wf/protocol";
import { startHarness, type Harness } from "./harness.js";

/** A real HTTP receiver that fails its first `failures` requests, then accepts. */
async function startReceiver(failures: number) {
  const port = await freePort();
  const received: { body: Record<string, unknown>; status: number; url: string }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      const status = received.length < failures ? 500 : 200;
      received.push({ body: JSON.parse(raw) as Record<string, unknown>, status, url: req.url ?? "" });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

const allowLoopback: UrlPolicy = { allowPrivate: true, allowedHosts: [] };
const silent = pino({ level: "silent" }) as unknown as FastifyBaseLogger;
let h: Harness;
let deliveryRedis: Redis;

beforeAll(async () => {
  h = await startHarness(inject("redisUrl"), { callbackPolicy: allowLoopback, callbackBackoffMs: 300 });
  deliveryRedis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await deliveryRedis?.quit();
  await h?.close();
});

const delivery = (policy: UrlPolicy = allowLoopback): Worker =>
  startCallbackDelivery({ store: h.store, connection: deliveryRedis, prefix: h.prefix, policy, logger: silent });

/** Creates a task with a callback and finishes its node the way a worker does. */
async function finishedTaskWithCallback(url: string): Promise<string> {
  const taskId = `task-${randomUUID()}`;
  const created = await h.app.inject({
    method: "POST",
    url: "/v1/tasks",
    payload: { task_name: "ffmpeg.extract_audio", task_id: taskId, callback: url, input_data: { video_path: "/in.mp4" } },
  });
  expect(created.statusCode, created.body).toBe(200);
  const view = await h.nodeView(taskId);
  await h.store.updateWorkflowState({
    ...view,
    status: "completed",
    stages: { "ffmpeg.extract_audio": { status: "SUCCESS", output: { audio_path: "/out.wav" }, error: null, duration: 1.5 } },
  });
  await h.queues.enqueueCallback({ task_id: taskId, task_name: "ffmpeg.extract_audio" });
  return taskId;
}

const callbackStatus = async (taskId: string) => (await h.store.getWorkflowState(taskId))?.["callback_status"];

describe("callbacks", () => {
  it("a callback URL's secrets are masked in state but the receiver is called with the real URL", async () => {
    const receiver = await startReceiver(0);
    const worker = delivery();
    try {
      const taskId = `task-${randomUUID()}`;
      const url = `${receiver.url}?api_key=K9&x=1`;
      await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "ffmpeg.extract_audio", task_id: taskId, callback: url, input_data: { video_path: "/in.mp4" } } });
      const view = await h.store.getNodeState(taskId, "ffmpeg.extract_audio");
      expect(view?.input_params.callback_url).toBe(`${receiver.url}?api_key=***&x=1`);
      const status = (await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` })).body;
      expect(status).not.toContain("K9");
      const job = await h.queues.jobData("ffmpeg.extract_audio", view?.stages["ffmpeg.extract_audio"]?.["job_id"] as string);
      expect(job?.callback_url).toBe(url);
      await h.store.updateWorkflowState({ ...(await h.nodeView(taskId)), status: "completed", stages: { "ffmpeg.extract_audio": { status: "SUCCESS", output: { a: 1 } } } });
      await h.queues.enqueueCallback({ task_id: taskId, task_name: "ffmpeg.extract_audio", callback_url: job?.callback_url ?? null });
      await waitFor(async () => ((await callbackStatus(taskId)) === "sent" ? true : undefined), 10_000, "the callback to be sent");
      expect(receiver.received[0]?.url).toBe("/hook?api_key=K9&x=1");
      // The callback job held the unmasked URL: it is gone once delivered.
      const callbacks = new Queue(CALLBACK_QUEUE, { connection: h.redis.duplicate(), prefix: h.prefix });
      const left = await callbacks.getJobs(["completed", "failed", "waiting", "delayed", "active"]);
      await callbacks.close();
      expect(left.filter((job) => job.data.task_id === taskId)).toEqual([]);
    } finally {
      await worker.close();
      await receiver.close();
    }
  });

  it("a failed node's callback carries output {} and a float duration, as the original's", async () => {
    const receiver = await startReceiver(0);
    const worker = delivery();
    try {
      const taskId = `task-${randomUUID()}`;
      await h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "ffmpeg.extract_audio", task_id: taskId, callback: receiver.url, input_data: { video_path: "/in.mp4" } } });
      await h.store.updateWorkflowState({ ...(await h.nodeView(taskId)), status: "failed", stages: { "ffmpeg.extract_audio": { status: "FAILED", output: null, error: "boom", duration: null } } });
      await h.queues.enqueueCallback({ task_id: taskId, task_name: "ffmpeg.extract_audio" });
      await waitFor(async () => ((await callbackStatus(taskId)) === "sent" ? true : undefined), 10_000, "the callback to be sent");
      expect(receiver.received[0]?.body).toMatchObject({ task_id: taskId, status: "failed", result: { status: "FAILED", error: "boom", output: {}, duration: 0 } });
    } finally {
      await worker.close();
      await receiver.close();
    }
  });

  it("are retried with backoff until the receiver accepts, across a gateway restart", async () => {
    const receiver = await startReceiver(2);
    try {
      const taskId = await finishedTaskWithCallback(receiver.url);
      const first = delivery();
      await waitFor(async () => (receiver.received.length >= 1 ? true : undefined), 10_000, "the first attempt");
      await first.close(); // the gateway stops between attempts; the delayed retry stays in Redis
      expect(await callbackStatus(taskId)).toBeUndefined();

      const second = delivery();
      try {
        await waitFor(async () => ((await callbackStatus(taskId)) === "sent" ? true : undefined), 15_000, "the callback to be sent");
      } finally {
        await second.close();
      }
      expect(receiver.received.map((entry) => entry.status)).toEqual([500, 500, 200]);
      expect(receiver.received[2]?.body).toEqual({
        task_id: taskId,
        status: "completed",
        result: { task_name: "ffmpeg.extract_audio", status: "SUCCESS", input_params: { video_path: "/in.mp4" }, output: { audio_path: "/out.wav" }, error: null, duration: 1.5 },
        timestamp: expect.any(String),
      });
      const status = (await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` })).json();
      expect(status.callback_status).toBe("sent");
    } finally {
      await receiver.close();
    }
  });

  it("records failed after the last attempt", async () => {
    const receiver = await startReceiver(100);
    const worker = delivery();
    try {
      const taskId = await finishedTaskWithCallback(receiver.url);
      await waitFor(async () => ((await callbackStatus(taskId)) === "failed" ? true : undefined), 30_000, "the callback to fail");
      expect(receiver.received).toHaveLength(5);
    } finally {
      await worker.close();
      await receiver.close();
    }
  });

  it("records invalid_url, without a request, when delivery finds the target private", async () => {
    const receiver = await startReceiver(0);
    const worker = delivery({ allowPrivate: false, allowedHosts: [] });
    try {
      const taskId = await finishedTaskWithCallback(receiver.url);
      await waitFor(async () => ((await callbackStatus(taskId)) === "invalid_url" ? true : undefined), 10_000, "invalid_url");
      expect(receiver.received).toHaveLength(0);
    } finally {
      await worker.close();
      await receiver.close();
    }
  });
});

describe("callback URLs at creation (default policy: public targets only)", () => {
  let strict: Harness;
  beforeAll(async () => {
    strict = await startHarness(inject("redisUrl"));
  });
  afterAll(() => strict?.close());

  it.each([
    ["ftp://example.com/x", "http or https"],
    ["not a url", "not a valid URL"],
    [`http://example.com/${"a".repeat(2050)}`, "longer than 2048"],
    ["http://127.0.0.1:9/cb", "loopback, private"],
    ["http://localhost:9/cb", "loopback, private"],
    ["http://10.1.2.3/cb", "loopback, private"],
    ["http://192.168.1.1/cb", "loopback, private"],
    ["http://169.254.169.254/latest/meta-data", "loopback, private"],
    ["http://[::1]/cb", "loopback, private"],
    ["http://[::ffff:127.0.0.1]/cb", "loopback, private"],
    ["http://user:secret@8.8.8.8/cb", "credentials"],
  ])("%s is refused with INVALID_CALLBACK_URL", async (url, reason) => {
    const taskId = `task-${randomUUID()}`;
    const response = await strict.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { task_name: "ffmpeg.extract_audio", task_id: taskId, callback: url, input_data: { video_path: "/x.mp4" } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("INVALID_CALLBACK_URL");
    expect(response.json().error.message).toContain(reason);
    // Nothing of the task was written (other test files share this Redis, so look only at its keys).
    const keys = strict.store.keys;
    expect(await strict.redis.exists(keys.nodeKey(taskId, "ffmpeg.extract_audio"), keys.indexKey(taskId), keys.ownerKey(taskId))).toBe(0);
    expect(await strict.active.due(Number.MAX_SAFE_INTEGER, 100_000)).not.toContainEqual({ taskId, taskName: "ffmpeg.extract_audio" });
  });

  it("classifies addresses", () => {
    expect(["127.0.0.1", "10.0.0.1", "172.20.1.1", "100.64.0.1", "fe80::1", "fd00::1", "::ffff:192.168.0.1", "0.0.0.0"].every(isPrivateAddress)).toBe(true);
    expect(["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"].some(isPrivateAddress)).toBe(false);
  });
});
