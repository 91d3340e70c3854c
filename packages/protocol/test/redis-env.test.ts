import { describe, expect, it } from "vitest";
import { RedisEnvSchema, clusterConflictOf, sentinelSettingsOf } from "../src/index.js";

describe("Redis settings", () => {
  it("reads REDIS_SENTINELS into the sentinels and master group connectRedis takes", () => {
    const env = RedisEnvSchema.parse({ REDIS_SENTINELS: "s1:26379, s2:26380", REDIS_SENTINEL_MASTER: "wf" });
    expect(sentinelSettingsOf(env)).toMatchObject({ sentinels: [{ host: "s1", port: 26379 }, { host: "s2", port: 26380 }], name: "wf", tls: false });
    expect(sentinelSettingsOf(RedisEnvSchema.parse({}))).toBeUndefined();
    expect(RedisEnvSchema.safeParse({ REDIS_SENTINELS: "s1" }).success).toBe(false);
  });

  it("refuses Sentinel or WAIT on a Redis Cluster, and allows each alone", () => {
    const sentinel = RedisEnvSchema.parse({ REDIS_SENTINELS: "s1:26379" });
    const wait = RedisEnvSchema.parse({ WF_REDIS_WAIT_REPLICAS: "1" });
    const plain = RedisEnvSchema.parse({});
    expect(clusterConflictOf(sentinel, true)).toMatch(/WF_REDIS_CLUSTER cannot be combined/);
    expect(clusterConflictOf(wait, true)).toMatch(/WF_REDIS_CLUSTER cannot be combined/);
    expect([clusterConflictOf(plain, true), clusterConflictOf(sentinel, false), clusterConflictOf(wait, false)]).toEqual([undefined, undefined, undefined]);
  });
});
