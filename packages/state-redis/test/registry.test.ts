import { randomUUID } from "node:crypto";
import { startRedisServer, type RedisServerHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRegistry, StoreConfigError } from "../src/index.js";

// The registry is one shared structure per Redis, so this file owns its own server.
let server: RedisServerHandle;
let redis: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

const schema = { type: "object", properties: { video_path: { type: "string" } }, required: ["video_path"] };

describe("node registry", () => {
  it("lists the nodes live workers publish, with their schema and workers", async () => {
    let clock = 1_000_000;
    const registry = createNodeRegistry({ redis, now: () => clock });
    await registry.publish("worker-a", [{ name: "ffmpeg.extract_audio", inputSchema: schema, description: "audio" }], 30);
    await registry.publish("worker-b", [{ name: "ffmpeg.extract_audio", inputSchema: schema, description: "audio" }, { name: "text.count", inputSchema: {}, fallbacks: { audio_path: ["ffmpeg.extract_audio"] } }], 10);
    expect(await registry.list()).toEqual([
      { name: "ffmpeg.extract_audio", inputSchema: schema, description: "audio", fallbacks: {}, workers: ["worker-b", "worker-a"] },
      { name: "text.count", inputSchema: {}, fallbacks: { audio_path: ["ffmpeg.extract_audio"] }, workers: ["worker-b"] },
    ]);

    clock += 11_000; // worker-b's heartbeat expired
    expect(await registry.list()).toEqual([
      { name: "ffmpeg.extract_audio", inputSchema: schema, description: "audio", fallbacks: {}, workers: ["worker-a"] },
    ]);
    expect(await redis.hkeys("wf:registry:nodes")).toEqual(["ffmpeg.extract_audio"]);

    await registry.publish("worker-a", [{ name: "ffmpeg.extract_audio", inputSchema: schema, description: "audio" }], 30);
    clock += 25_000; // refreshed, still alive
    expect((await registry.list()).map((node) => node.name)).toEqual(["ffmpeg.extract_audio"]);

    await registry.withdraw("worker-a", ["ffmpeg.extract_audio"]);
    expect(await registry.list()).toEqual([]);
  });

  it("refuses worker ids and node names it cannot store safely", async () => {
    const registry = createNodeRegistry({ redis });
    await expect(registry.publish("has space", [], 10)).rejects.toBeInstanceOf(StoreConfigError);
    await expect(registry.publish(`w-${randomUUID()}`, [{ name: "Bad Name", inputSchema: {} }], 10)).rejects.toMatchObject({
      code: "INVALID_TASK_NAME",
    });
  });
});
