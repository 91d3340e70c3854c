import { randomUUID } from "node:crypto";
import { startRedisServer, waitFor, type RedisServerHandle } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

let server: RedisServerHandle;
let h: Harness;

beforeAll(async () => {
  server = await startRedisServer();
  h = await startHarness(server.url);
});
afterAll(async () => {
  await h?.close();
  await server?.stop();
});

describe("Redis outage", () => {
  it("answers 503 quickly while Redis is down and recovers by itself", async () => {
    const taskId = `task-${randomUUID()}`;
    const created = await h.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { task_name: "ffmpeg.extract_audio", task_id: taskId, input_data: { video_path: "/x.mp4" } },
    });
    expect(created.statusCode).toBe(200);

    await server.pause();
    const started = Date.now();
    const status = await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` });
    const elapsed = Date.now() - started;
    expect(status.statusCode).toBe(503);
    expect(status.json().error).toEqual({ code: "STORE_UNAVAILABLE", message: "Redis is unreachable; retry shortly" });
    expect(status.body).not.toMatch(/at .*\.(ts|js):\d+/);
    // A generous bound: the point is that a request never hangs on a dead Redis.
    expect(elapsed).toBeLessThan(2_000);

    const create = await h.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/x.mp4" } },
    });
    expect(create.statusCode).toBe(503);
    const health = await h.app.inject({ method: "GET", url: "/v1/tasks/health" });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: "unhealthy", service: "wf-gateway", redis: "down", error: "Redis is unreachable", celery_broker: "not configured", minio_service: "not configured" });
    // Liveness does not depend on Redis: an orchestrator must not restart gateways for an outage.
    expect((await h.app.inject({ method: "GET", url: "/livez" })).statusCode).toBe(200);

    await server.start();
    const recovered = await waitFor(async () => {
      const response = await h.app.inject({ method: "GET", url: "/v1/tasks/health" });
      return response.statusCode === 200 ? response : undefined;
    }, 10_000, "the gateway to see Redis again");
    expect(recovered.json().redis).toBe("up");
    const metrics = await h.app.inject({ method: "GET", url: "/metrics" });
    expect(Number(/wf_redis_errors_total (\d+)/.exec(metrics.body)?.[1])).toBeGreaterThanOrEqual(2);
  });
});

describe("Redis out of memory", () => {
  it("answers 503 STORE_FULL, writes nothing, and works again once the limit is lifted", async () => {
    const full = await startRedisServer({ args: ["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"] });
    const g = await startHarness(full.url);
    const filler = new Redis(full.url);
    try {
      // Fill the memory up to the limit with data that is not ours.
      for (let i = 0; ; i++) {
        const ok = await filler.set(`filler:${i}`, "x".repeat(256 * 1024)).then(() => true, () => false);
        if (!ok) break;
      }
      const taskId = `task-${randomUUID()}`;
      const payload = { task_name: "ffmpeg.extract_audio", task_id: taskId, input_data: { video_path: "/x.mp4" } };
      const refused = await g.app.inject({ method: "POST", url: "/v1/tasks", payload });
      expect(refused.statusCode).toBe(503);
      expect(refused.json()).toMatchObject({ error: { code: "STORE_FULL" }, detail: expect.stringMatching(/out of memory/) });
      expect(await filler.exists(g.store.nodeKey(taskId, "ffmpeg.extract_audio"), g.store.keys.indexKey(taskId))).toBe(0);
      expect((await g.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` })).statusCode).toBe(404);

      await filler.config("SET", "maxmemory", "0");
      const accepted = await g.app.inject({ method: "POST", url: "/v1/tasks", payload });
      expect(accepted.statusCode, accepted.body).toBe(200);
      expect((await g.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("PENDING");
    } finally {
      filler.disconnect();
      await g.close();
      await full.stop();
    }
  });
});
