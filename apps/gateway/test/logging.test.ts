import { Writable } from "node:stream";
import { createStateStore, createNodeRegistry } from "@wf/state-redis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildApp } from "../src/app.js";
import type { ZodApp } from "../src/deps.js";
import { createRegistryCatalog } from "../src/nodes/node-catalog.js";
import { NodeQueues } from "../src/queues/node-queues.js";
import { createFailFastRedis } from "../src/redis.js";

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  },
});
const redis = createFailFastRedis(inject("redisUrl"));
let app: ZodApp;

beforeAll(async () => {
  await new Promise((resolve) => redis.once("ready", resolve));
  app = await buildApp(
    {
      store: createStateStore({ redis }),
      queues: new NodeQueues(redis),
      redis,
      sharedRoot: "/tmp/wf-logging-test",
      nodes: createRegistryCatalog(createNodeRegistry({ redis })),
      callbackPolicy: { allowPrivate: false, allowedHosts: [] },
    },
    { logger: pino({ level: "info" }, sink) },
  );
});
afterAll(async () => {
  await app?.close();
  redis.disconnect();
});

describe("logs", () => {
  it("are pino JSON lines carrying the request id, taken from x-request-id when given", async () => {
    await app.inject({ method: "GET", url: "/v1/tasks/task-none/status", headers: { "x-request-id": "req-from-client" } });
    await app.inject({ method: "GET", url: "/v1/tasks/task-none/status" });
    const completed = lines.filter((line) => line["msg"] === "request completed");
    expect(completed[0]?.["reqId"]).toBe("req-from-client");
    expect(completed[1]?.["reqId"]).toMatch(/^[0-9a-f-]{36}$/);
    const refused = lines.find((line) => line["msg"] === "request refused");
    expect(refused).toMatchObject({ reqId: "req-from-client", code: "TASK_NOT_FOUND" });
  });

  it("the OpenAPI document carries both request bodies of POST /v1/tasks, each with an example", async () => {
    const doc = (await app.inject({ method: "GET", url: "/docs/json" })).json();
    const body = doc.paths["/v1/tasks"].post.requestBody.content["application/json"].schema;
    const refs = (body.anyOf as { $ref: string }[]).map((entry) => entry.$ref.split("/").pop() as string);
    expect(refs).toEqual(["CreateNodeBodyInput", "CreatePipelineBodyInput"]);
    const [node, pipeline] = refs.map((name) => doc.components.schemas[name]);
    expect(node.example).toMatchObject({ task_name: "ffmpeg.extract_audio" });
    expect(pipeline.example.nodes.map((entry: { task_name: string }) => entry.task_name)).toEqual(["ffmpeg.extract_audio", "ffmpeg.extract_keyframes", "ffmpeg.split_audio_segments"]);
  });
});
