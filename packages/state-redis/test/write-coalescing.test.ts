import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createActiveNodes, createStateStore } from "../src/index.js";
import { buildContext, uniqueTaskId } from "./fixtures.js";

let redis: Redis;
beforeAll(async () => {
  redis = new Redis(inject("redisUrl"));
  await redis.ping();
});
afterAll(() => redis?.quit());

const socket = () => {
  if (!redis.stream) throw new Error("not connected");
  return redis.stream;
};

describe("write coalescing", () => {
  it("holds the commands of concurrent calls on the socket, then sends them together", async () => {
    const store = createStateStore({ redis });
    const taskId = uniqueTaskId();
    const writes = Array.from({ length: 20 }, (_, i) => store.updateWorkflowState(buildContext(taskId, `node.n${i}`)));
    const reads = Array.from({ length: 5 }, () => store.getWorkflowState(taskId));
    // Until the event loop's check phase, everything is buffered in the corked socket.
    expect(socket().writableCorked).toBe(1);
    expect(socket().writableLength).toBeGreaterThan(20 * 300);

    const results = await Promise.all(writes);
    expect(results.every((result) => result.written)).toBe(true);
    await Promise.all(reads);
    expect(socket().writableCorked).toBe(0);
    expect(Object.keys((await store.getWorkflowState(taskId))?.stages ?? {})).toHaveLength(20);
  });

  it("leaves the socket alone when coalesceWrites is false", async () => {
    const store = createStateStore({ redis, coalesceWrites: false });
    const pending = store.updateWorkflowState(buildContext(uniqueTaskId()));
    expect(socket().writableCorked).toBe(0);
    expect((await pending).written).toBe(true);
  });

  it("a write rejected before reaching Redis leaves the socket uncorked", async () => {
    const store = createStateStore({ redis });
    await expect(store.updateWorkflowState({ workflow_id: "no task name" })).rejects.toMatchObject({ code: expect.any(String) });
    expect(socket().writableCorked).toBe(0);
  });

  it("an active-node entry added just before a store write waits on the socket and leaves with it", async () => {
    const store = createStateStore({ redis });
    const active = createActiveNodes({ redis, scope: `coalesce-${uniqueTaskId()}` });
    const taskId = uniqueTaskId();
    const added = active.add(taskId, "node.a", Date.now() + 60_000);
    expect(socket().writableCorked).toBe(1);
    const entryBytes = socket().writableLength;
    expect(entryBytes).toBeGreaterThan(0);
    const written = store.createWorkflowState(buildContext(taskId, "node.a"));
    expect(socket().writableLength).toBeGreaterThan(entryBytes + 300);
    expect((await Promise.all([added, written]))[1].written).toBe(true);
    expect(socket().writableCorked).toBe(0);
    expect(await active.due(Date.now() + 120_000, 1000)).toContainEqual({ taskId, taskName: "node.a" });
  });

  it("active nodes leave the socket alone when coalesceWrites is false", async () => {
    const active = createActiveNodes({ redis, scope: `coalesce-${uniqueTaskId()}`, coalesceWrites: false });
    const added = active.add(uniqueTaskId(), "node.a", Date.now());
    expect(socket().writableCorked).toBe(0);
    await added;
  });
});
