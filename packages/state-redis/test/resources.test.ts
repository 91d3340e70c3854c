import { randomUUID } from "node:crypto";
import { startRedisCluster, startRedisServer, type RedisClusterHandle, type RedisServerHandle } from "@wf/testing";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResourceLeases, StoreConfigError, type KeyLayout, type RedisConnection, type ResourceLeases } from "../src/index.js";

let server: RedisServerHandle;
let cluster: RedisClusterHandle;
let single: Redis;
let clustered: Cluster;
beforeAll(async () => {
  [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster(3)]);
  single = new Redis(server.url);
  clustered = new Cluster(cluster.nodes);
}, 60_000);
afterAll(async () => {
  await Promise.all([single?.quit(), clustered?.quit()]);
  await Promise.all([server?.stop(), cluster?.stop()]);
});

const info = (task: string) => ({ task_id: task, task_name: "gpu.run", worker: "w", since: new Date().toISOString() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function leaseContract(name: string, connect: () => RedisConnection, keyLayout: KeyLayout) {
  describe(`resource leases on ${name}`, () => {
    let leases: ResourceLeases;
    let instance: string;
    beforeAll(() => {
      leases = createResourceLeases({ redis: connect(), keyLayout });
    });
    const fresh = () => (instance = `host-${randomUUID().slice(0, 8)}/gpu:0`);
    const take = (token: string, slots = 1, leaseMs = 10_000) => leases.acquire(instance, token, { slots, leaseMs, waiterTtlMs: 5_000, info: info(token) });

    it("admits holders up to the slots, queues the rest in arrival order, and lets nobody overtake", async () => {
      fresh();
      expect((await take("a", 2)).acquired).toBe(true);
      expect((await take("b", 2)).acquired).toBe(true);
      expect(await take("c", 2)).toMatchObject({ acquired: false, position: 0 });
      expect(await take("d", 2)).toMatchObject({ acquired: false, position: 1 });
      expect(await leases.release(instance, "a")).toBe(true);
      expect((await take("d", 2)).acquired).toBe(false); // c came first
      expect((await take("c", 2)).acquired).toBe(true);
      const state = await leases.inspect(instance);
      expect(state.holders.map((h) => h.token).sort()).toEqual(["b", "c"]);
      expect(state.waiters.map((w) => [w.token, w.position, w.task_id])).toEqual([["d", 0, "d"]]);
    });

    it("frees by compare-and-delete only: another token frees nothing", async () => {
      fresh();
      await take("a");
      expect(await leases.release(instance, "someone-else")).toBe(false);
      expect((await take("b")).acquired).toBe(false);
      expect(await leases.release(instance, "a")).toBe(true);
      expect((await take("b")).acquired).toBe(true);
    });

    it("an expired lease frees its slot and cannot be renewed back; a live one renews", async () => {
      fresh();
      await take("a", 1, 300);
      expect(await leases.renew(instance, "a", 300)).toBe(true);
      const waiting = await take("b", 1, 300);
      expect(waiting.acquired).toBe(false);
      expect(waiting.nextExpiryMs - waiting.nowMs).toBeGreaterThan(0);
      await sleep(400);
      expect(await leases.renew(instance, "a", 300)).toBe(false);
      expect((await take("b", 1, 300)).acquired).toBe(true);
      expect(await leases.renew(instance, "a", 300)).toBe(false);
    });

    it("a waiter that stops asking loses its place", async () => {
      fresh();
      await take("a");
      await leases.acquire(instance, "gone", { slots: 1, leaseMs: 10_000, waiterTtlMs: 200, info: info("gone") });
      expect((await take("b")).position).toBe(1);
      await sleep(300);
      await leases.release(instance, "a");
      expect((await take("b")).acquired).toBe(true);
    });

    it("counts and lists declared instances", async () => {
      fresh();
      await leases.declare(instance, 2);
      await leases.count(instance, { acquired: 2, timeouts: 1, held_ms: 1500 });
      expect((await leases.instances()).find((entry) => entry.instance === instance)).toEqual({ instance, slots: 2 });
      expect((await leases.inspect(instance)).stats).toEqual({ acquired: 2, timeouts: 1, lost: 0, held_ms: 1500, waited_ms: 0 });
    });
  });
}

leaseContract("a single Redis", () => single, "plain");
leaseContract("Redis Cluster (3 masters)", () => clustered, "hash-tag");

describe("resource instance names", () => {
  it("are refused when they could build another key", () => {
    const leases = createResourceLeases({ redis: single });
    expect(() => leases.channel("gpu 0")).toThrow(StoreConfigError);
    expect(() => leases.channel("{x}")).toThrow(StoreConfigError);
  });
});
