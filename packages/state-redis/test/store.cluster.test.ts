import { startRedisCluster, type RedisClusterHandle } from "@wf/testing";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStateStore, StoreConfigError } from "../src/index.js";
import { describeStoreContract } from "./contract.js";
import { buildContext, uniqueTaskId } from "./fixtures.js";

let cluster: RedisClusterHandle;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  client = new Cluster(cluster.nodes);
});
afterAll(async () => {
  await client?.quit();
  await cluster?.stop();
});

describeStoreContract(
  "Redis Cluster (3 masters), hash-tag layout",
  { connect: () => client, connectNew: () => new Cluster(cluster.nodes) },
  "hash-tag",
);

describe("Redis Cluster specifics", () => {
  it("refuses the plain layout, whose keys of one task would span slots", () => {
    expect(() => createStateStore({ redis: client, keyLayout: "plain" })).toThrow(StoreConfigError);
  });

  it("spreads tasks over every master while each task stays in one slot", async () => {
    const store = createStateStore({ redis: client, keyLayout: "hash-tag" });
    const ids = Array.from({ length: 30 }, () => uniqueTaskId());
    for (const id of ids) await store.createWorkflowState(buildContext(id));
    const holding = await Promise.all(client.nodes("master").map((node) => node.dbsize()));
    expect(holding.every((count) => count > 0)).toBe(true);
    const slots = new Set(
      await Promise.all([
        client.cluster("KEYSLOT", store.nodeKey(ids[0] as string, "a.b")),
        client.cluster("KEYSLOT", store.keys.indexKey(ids[0] as string)),
      ]),
    );
    expect(slots.size).toBe(1);
  });

  it("coalesces the writes of concurrent calls on every node's socket", async () => {
    const store = createStateStore({ redis: client, keyLayout: "hash-tag" });
    const ids = Array.from({ length: 30 }, () => uniqueTaskId());
    await Promise.all(ids.map((id) => store.getWorkflowState(id))); // connects every node
    const sockets = client.nodes("master").map((node) => node.stream);
    const writes = ids.map((id) => store.createWorkflowState(buildContext(id)));
    expect(sockets.map((socket) => socket?.writableCorked)).toEqual([1, 1, 1]);
    expect((await Promise.all(writes)).every((result) => result.written)).toBe(true);
    expect(sockets.map((socket) => socket?.writableCorked)).toEqual([0, 0, 0]);
    for (const id of ids) expect(Object.keys((await store.getWorkflowState(id))?.stages ?? {})).toEqual(["ffmpeg.extract_audio"]);
  });

  it("the scan read strategy scans every master", async () => {
    const store = createStateStore({ redis: client, keyLayout: "hash-tag", readStrategy: "scan" });
    const ids = Array.from({ length: 12 }, () => uniqueTaskId());
    for (const id of ids) {
      await client.set(store.nodeKey(id, "ffmpeg.extract_audio"), JSON.stringify(buildContext(id)), "EX", 60);
    }
    for (const id of ids) {
      expect(Object.keys((await store.getWorkflowState(id))?.stages ?? {})).toEqual(["ffmpeg.extract_audio"]);
    }
    expect(await store.deleteWorkflowState(ids[0] as string)).toBe(1);
    expect(await store.getWorkflowState(ids[0] as string)).toBeNull();
  });
});

describe("node registry on a Redis Cluster", () => {
  it("publishes, lists and withdraws without CROSSSLOT", async () => {
    const { createNodeRegistry } = await import("../src/index.js");
    const registry = createNodeRegistry({ redis: client, keyLayout: "hash-tag" });
    const workerId = `w-${uniqueTaskId()}`;
    await registry.publish(workerId, [{ name: "ffmpeg.extract_audio", inputSchema: { type: "object" } }], 30);
    expect((await registry.list()).find((node) => node.name === "ffmpeg.extract_audio")?.workers).toContain(workerId);
    await registry.withdraw(workerId, ["ffmpeg.extract_audio"]);
    expect((await registry.list()).find((node) => node.workers.includes(workerId))).toBeUndefined();
  });
});
