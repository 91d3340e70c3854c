import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { startRedisServer, type RedisServerHandle } from "@wf/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

// The events route as an embedding service wires it (no `events.connect`: the default duplicate
// of its fail-fast client), on a Redis of its own that the test stops.

let server: RedisServerHandle;
let h: Harness;
let base: string;

/** Reads an SSE response as raw frames until it ends; resolves with them. */
async function frames(response: Response, onFrame: (frame: string) => void = () => undefined): Promise<string[]> {
  const all: string[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      all.push(frame);
      onFrame(frame);
    }
  }
  return all;
}

const node = (taskId: string, status: string) => ({
  workflow_id: taskId,
  input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/x.mp4" } },
  stages: { "ffmpeg.extract_audio": { status, job_id: "j1" } },
});

beforeAll(async () => {
  server = await startRedisServer();
  h = await startHarness(server.url, { events: { storeOutageMs: 2_000 } });
  await h.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h?.close();
  await server?.stop();
});

describe("GET /v1/tasks/:id/events with the default connection", () => {
  it("waits past the client's one-second command timeout for a change, then ends when every node is final", async () => {
    const taskId = `task-${randomUUID()}`;
    await h.store.createWorkflowState(node(taskId, "PENDING"));
    const response = await fetch(`${base}/v1/tasks/${taskId}/events`);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reading = frames(response);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await h.store.updateWorkflowState(node(taskId, "IN_PROGRESS"));
    await h.store.updateWorkflowState(node(taskId, "SUCCESS"));
    const all = await reading;
    const types = all.filter((frame) => frame.includes("data: {\"type\"")).map((frame) => JSON.parse(frame.slice(frame.indexOf("data: ") + 6)).type);
    expect(types).toEqual(["created", "running", "succeeded"]);
    expect(all.at(-1)).toBe('event: end\ndata: {"reason":"finished"}');
  }, 20_000);

  it("ends the stream, never hangs, when Redis stays away longer than storeOutageMs", async () => {
    const taskId = `task-${randomUUID()}`;
    await h.store.createWorkflowState(node(taskId, "IN_PROGRESS"));
    const response = await fetch(`${base}/v1/tasks/${taskId}/events`);
    let first: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (first = resolve));
    const reading = frames(response, () => first());
    await opened;
    await server.pause();
    const started = Date.now();
    const all = await reading;
    // Rode out the outage for storeOutageMs (2 s here), saying so, then ended.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(all).toContain(": waiting for redis");
    expect(all.at(-1)).toBe('event: end\ndata: {"reason":"error"}');
    await server.start();
  }, 20_000);
});
