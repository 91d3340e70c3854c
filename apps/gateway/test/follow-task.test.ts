import { randomUUID } from "node:crypto";
import type { TaskEvent } from "@wf/context";
import { connectRedis, createStateStore, type StateStore } from "@wf/state-redis";
import { startRedisServer, waitFor } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { followTask } from "../src/events/follow-task.js";
import type { SseWriter } from "../src/events/sse.js";

const redis = new Redis(inject("redisUrl"));
const store = createStateStore({ redis });
afterAll(() => redis.quit());

const node = (taskId: string, status: string) => ({
  workflow_id: taskId,
  input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/x.mp4" } },
  stages: { "ffmpeg.extract_audio": { status, job_id: "j1" } },
});

/** An SSE writer that keeps what it was sent. */
function recorder(): SseWriter & { sent: { id: string | null | undefined; data: unknown }[] } {
  const sent: { id: string | null | undefined; data: unknown }[] = [];
  return { sent, send: (data, options = {}) => sent.push({ id: options.id, data }), comment: () => undefined, end: () => undefined };
}

/** The store, except that each of the first `racing` state reads is followed by a write of `next()`. */
type NodeWrite = Parameters<StateStore["updateWorkflowState"]>[0];

function racingStore(racing: number, next: () => NodeWrite): StateStore {
  let reads = 0;
  return {
    ...store,
    async getWorkflowState(taskId) {
      const state = await store.getWorkflowState(taskId);
      if ((reads += 1) <= racing) await store.updateWorkflowState(next());
      return state;
    },
  };
}

async function follow(followed: StateStore, taskId: string, lastEventId?: string) {
  const sse = recorder();
  const controller = new AbortController();
  const end = await followTask({ store: followed, connection: redis.duplicate(), taskId, lastEventId, sse, signal: controller.signal, blockMs: 200, callbackWaitMs: 0, storeOutageMs: 0 });
  return { end, sent: sse.sent as { id: string; data: TaskEvent }[] };
}

describe("a stream's start", () => {
  it("a change that lands while the state is read is in the opening state, and resuming after it repeats nothing", async () => {
    const taskId = `task-${randomUUID()}`;
    await store.createWorkflowState(node(taskId, "PENDING"));
    // The first read sees PENDING and IN_PROGRESS lands just after it: the state is read again.
    const following = follow(racingStore(1, () => node(taskId, "IN_PROGRESS")), taskId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await store.updateWorkflowState(node(taskId, "SUCCESS"));
    const { end, sent } = await following;
    expect(end).toBe("finished");
    expect(sent.map(({ data }) => data.status)).toEqual(["IN_PROGRESS", "SUCCESS"]);
    // Resuming after the opening state sends what followed it, once.
    const resumed = await follow(store, taskId, sent[0]?.id);
    expect(resumed.sent.map(({ data }) => data.status)).toEqual(["SUCCESS"]);
  });

  it("a task that changes during every read loses no change: after five reads it starts from the last one", async () => {
    const taskId = `task-${randomUUID()}`;
    await store.createWorkflowState(node(taskId, "PENDING"));
    let writes = 0;
    const next = () => {
      writes += 1;
      if (writes > 5) return node(taskId, "SUCCESS"); // lands after the first read once the stream runs
      return { ...node(taskId, "IN_PROGRESS"), stages: { "ffmpeg.extract_audio": { status: "IN_PROGRESS", job_id: "j1", progress: writes * 10 } } };
    };
    const { end, sent } = await follow(racingStore(6, next), taskId);
    expect(end).toBe("finished");
    // The fifth read saw progress 40; 50 landed after it and is sent from the stream, then SUCCESS.
    expect(sent.map(({ data }) => [data.status, data.progress])).toEqual([["IN_PROGRESS", 40], ["IN_PROGRESS", 50], ["SUCCESS", null]]);
  });
});

describe("a stream while Redis is away", () => {
  /** A stream over connections made as the gateway makes them, to a Redis server of its own. */
  async function followOwnServer(storeOutageMs: number) {
    const server = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
    const ownRedis = connectRedis(server.url, { mode: "fail-fast" });
    ownRedis.on("error", () => undefined);
    await new Promise((resolve) => ownRedis.once("ready", resolve));
    const ownStore = createStateStore({ redis: ownRedis });
    const connection = connectRedis(server.url, { mode: "blocking" });
    connection.on("error", () => undefined);
    const taskId = `task-${randomUUID()}`;
    await ownStore.createWorkflowState(node(taskId, "IN_PROGRESS"));
    const sse = recorder();
    const comments: string[] = [];
    sse.comment = (text) => void comments.push(text);
    const ending = followTask({ store: ownStore, connection, taskId, lastEventId: undefined, sse, signal: new AbortController().signal, blockMs: 200, callbackWaitMs: 0, storeOutageMs });
    ending.catch(() => undefined);
    return { server, ownStore, taskId, sse, comments, ending, connection: { disconnect: () => (connection.disconnect(), ownRedis.disconnect()) } };
  }

  it("rides out a Redis restart shorter than storeOutageMs, and goes on to the end", async () => {
    const { server, ownStore, taskId, sse, comments, ending, connection } = await followOwnServer(10_000);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.pause();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await server.start();
      await waitFor(async () => (await ownStore.getWorkflowState(taskId).catch(() => null)) ?? undefined, 5_000, "redis back");
      await ownStore.updateWorkflowState(node(taskId, "SUCCESS"));
      expect(await ending).toBe("finished");
      expect((sse.sent as { data: TaskEvent }[]).map(({ data }) => data.status)).toEqual(["IN_PROGRESS", "SUCCESS"]);
      expect(comments).toContain("waiting for redis");
    } finally {
      connection.disconnect();
      await server.stop();
    }
  });

  it("ends with the store's error once Redis has been away longer than storeOutageMs", async () => {
    const { server, ending, connection } = await followOwnServer(1_000);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.pause();
      const startedAt = Date.now();
      await expect(ending).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      expect(Date.now() - startedAt).toBeLessThan(5_000);
    } finally {
      connection.disconnect();
      await server.stop();
    }
  });
});
