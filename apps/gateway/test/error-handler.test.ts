import { freePort } from "@wf/testing";
import Fastify from "fastify";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { installErrorHandling } from "../src/errors/error-handler.js";

// A Redis failure that a route lets through unwrapped (a BullMQ call, a raw client command) is
// still answered as one: 503 with a stable code, never a 500.

const app = Fastify({ logger: false });
installErrorHandling(app);
let port = 0;
const unreachable = () => new Redis({ port, lazyConnect: false, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
app.get("/raw", async () => {
  const redis = unreachable();
  redis.on("error", () => undefined);
  try {
    return await redis.get("anything");
  } finally {
    redis.disconnect();
  }
});
afterAll(() => app.close());

describe("the error handler", () => {
  it("answers a raw Redis connection failure with 503 STORE_UNAVAILABLE", async () => {
    port = await freePort();
    const response = await app.inject({ method: "GET", url: "/raw" });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toEqual({ code: "STORE_UNAVAILABLE", message: "Redis is unreachable; retry shortly" });
  });
});
