import { startRedisServer, type RedisServerHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreFullError, StoreUnavailableError, createStateStore, isTransientStoreError, probeStoreHealth } from "../src/index.js";
import { buildContext, uniqueTaskId } from "./fixtures.js";

// What the apps wait out rather than report: Redis full, a replica that refuses writes (as a
// demoted master does during a failover), Redis gone. Real servers: a master and its replica.

let master: RedisServerHandle;
let replica: RedisServerHandle;
let toMaster: Redis;
let toReplica: Redis;
beforeAll(async () => {
  master = await startRedisServer();
  replica = await startRedisServer();
  toMaster = new Redis(master.url);
  toReplica = new Redis(replica.url);
  await toReplica.replicaof("127.0.0.1", new URL(master.url).port);
}, 30_000);
afterAll(async () => {
  toMaster?.disconnect();
  toReplica?.disconnect();
  await Promise.all([master?.stop(), replica?.stop()]);
});

describe("the store's health and its transient failures", () => {
  it("a writable Redis is up", async () => {
    expect(await probeStoreHealth(toMaster)).toEqual({ state: "up" });
  });

  it("a replica is read-only: the probe says so, and a write fails with a transient STORE_UNAVAILABLE", async () => {
    expect(await probeStoreHealth(toReplica)).toMatchObject({ state: "read-only", reason: expect.stringMatching(/^READONLY/) });
    const store = createStateStore({ redis: toReplica });
    const failure = await store.createWorkflowState(buildContext(uniqueTaskId())).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(isTransientStoreError(failure)).toBe(true);
  });

  it("a full Redis is full: the probe says so, and a write fails with a transient STORE_FULL", async () => {
    await toMaster.config("SET", "maxmemory-policy", "noeviction");
    await toMaster.config("SET", "maxmemory", "1");
    try {
      expect(await probeStoreHealth(toMaster)).toMatchObject({ state: "full", reason: expect.stringMatching(/OOM/) });
      const failure = await createStateStore({ redis: toMaster }).createWorkflowState(buildContext(uniqueTaskId())).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StoreFullError);
      expect(isTransientStoreError(failure)).toBe(true);
    } finally {
      await toMaster.config("SET", "maxmemory", "0");
    }
    expect(await probeStoreHealth(toMaster)).toEqual({ state: "up" });
  });

  it("an unreachable Redis is down", async () => {
    const gone = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
    gone.on("error", () => undefined);
    expect((await probeStoreHealth(gone)).state).toBe("down");
    gone.disconnect();
  });

  it("a refusal that will not pass is not transient", () => {
    const wrongType = Object.assign(new Error("WRONGTYPE Operation against a key holding the wrong kind of value"), { name: "ReplyError" });
    expect(isTransientStoreError(wrongType)).toBe(false);
    expect(isTransientStoreError(new Error("the handler exploded"))).toBe(false);
  });
});
