import { randomUUID } from "node:crypto";
import { createNodeRegistry } from "@wf/state-redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { startHarness, type Harness } from "./harness.js";

// A node whose input schema is strict (as the built-in split and keyframe nodes are) has an
// option it does not honour refused at submit time with a 400 naming it, never accepted and
// ignored; an option it refuses unless false (the original's object-storage switches) likewise.

let h: Harness;
const workerId = `node-options-${randomUUID()}`;

beforeAll(async () => {
  h = await startHarness(inject("redisUrl"));
  const inputSchema = z.toJSONSchema(z.strictObject({ video_path: z.string(), upload_keyframes_to_minio: z.literal(false).optional() }), { io: "input" }) as Record<string, unknown>;
  await createNodeRegistry({ redis: h.redis }).publish(workerId, [{ name: "strict.keyframes", inputSchema }], 600);
});
afterAll(async () => {
  await createNodeRegistry({ redis: h.redis }).withdraw(workerId, ["strict.keyframes"]).catch(() => undefined);
  await h?.close();
});

const create = (input_data: Record<string, unknown>) => h.app.inject({ method: "POST", url: "/v1/tasks", payload: { task_name: "strict.keyframes", input_data } });

describe("options a node does not honour", () => {
  it("are refused at submit time with a 400 naming them; what it honours is accepted", async () => {
    const unknown = await create({ video_path: "/v.mp4", keyframe_compression_format: "zip" });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("keyframe_compression_format") });
    const upload = await create({ video_path: "/v.mp4", upload_keyframes_to_minio: true });
    expect(upload.statusCode).toBe(400);
    expect(upload.json().error.message).toContain("upload_keyframes_to_minio");
    expect((await create({ video_path: "/v.mp4", upload_keyframes_to_minio: false })).statusCode).toBe(200);
  });
});
