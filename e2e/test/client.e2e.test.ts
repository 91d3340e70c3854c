import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isWfApiError, type TaskStreamEvent, type WfClient } from "@wf/client";
import { createStateStore } from "@wf/state-redis";
import { waitFor } from "@wf/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startStack, type Stack } from "./stack.js";

// @wf/client against the real gateway and worker (real Redis, real ffmpeg), and the client's
// committed OpenAPI document and generated types against what the running gateway serves.

const root = join(import.meta.dirname, "..", "..");
let stack: Stack;
let base: string;
let client: WfClient;
let video: string;
let hangingUrl: string;

async function collect(stream: AsyncGenerator<TaskStreamEvent, string>): Promise<{ events: TaskStreamEvent[]; end: string }> {
  const events: TaskStreamEvent[] = [];
  for (let next = await stream.next(); ; next = await stream.next()) {
    if (next.done) return { events, end: next.value };
    events.push(next.value);
  }
}

beforeAll(async () => {
  stack = await startStack(inject("redisUrl"), "client", { WF_EVENT_KEEPALIVE_MS: "500" });
  ({ base, client, video, hangingUrl } = stack);
});

afterAll(async () => {
  expect(await stack?.stop()).toEqual({ gateway: 0, worker: 0 });
});

describe("@wf/client on the real gateway", () => {
  it("the committed OpenAPI document and generated types are what the gateway serves", async () => {
    const served = (await (await fetch(`${base}/openapi.json`)).json()) as object;
    const committed = JSON.parse(await readFile(join(root, "packages/client/openapi.json"), "utf8")) as object;
    expect(served, "run `pnpm client:update`").toEqual(committed);
    const { clientTypes } = (await import(pathToFileURL(join(root, "scripts/openapi-update.mjs")).href)) as { clientTypes: (document: object) => Promise<string> };
    expect(await clientTypes(served), "run `pnpm client:update`").toBe(await readFile(join(root, "packages/client/src/generated/openapi.ts"), "utf8"));
  });

  it("runs a pipeline with one typed call and waits for the whole of it", async () => {
    const created = await client.createPipeline({
      nodes: [
        { task_name: "ffmpeg.extract_audio", input_data: { video_path: video } },
        { task_name: "ffmpeg.split_audio_segments", input_data: { audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}", segment_seconds: 1 } },
      ],
    });
    expect(created.nodes.map((node) => [node.task_name, node.state])).toEqual([
      ["ffmpeg.extract_audio", "queued"],
      ["ffmpeg.split_audio_segments", "waiting"],
    ]);
    const final = await client.waitFor(created.task_id, { timeoutMs: 30_000 });
    expect(final).toMatchObject({ status: "completed", result: { task_name: "ffmpeg.split_audio_segments", status: "SUCCESS" } });
    const stages = (await client.result(created.task_id)).context.stages;
    expect(stages["ffmpeg.split_audio_segments"]?.["depends_on"]).toEqual(["ffmpeg.extract_audio"]);
  });

  it("creates a task, follows its events to the end, and finds it in the listing", async () => {
    const created = await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: video } });
    const { events, end } = await collect(client.events(created.task_id));
    expect(end).toBe("finished");
    expect(events.at(-1)?.event).toMatchObject({ type: "succeeded", task_name: "ffmpeg.extract_audio", status: "SUCCESS" });
    expect(events.every(({ event }) => event.task_id === created.task_id)).toBe(true);
    const final = await client.waitFor(created.task_id, { timeoutMs: 10_000 });
    expect(final.status).toBe("completed");
    expect((await client.result(created.task_id)).context.stages["ffmpeg.extract_audio"]?.status).toBe("SUCCESS");
    const retried = await client.retry(created.task_id);
    expect(retried.task_id).not.toBe(created.task_id);
    expect((await client.waitFor(retried.task_id, { timeoutMs: 20_000 })).status).toBe("completed");

    const listed = await client.list({ limit: 5 });
    expect(listed.tasks.map((task) => task.task_id).slice(0, 2)).toEqual([retried.task_id, created.task_id]);
    expect(listed.tasks[1]).toMatchObject({ status: "completed", nodes: [{ task_name: "ffmpeg.extract_audio", status: "SUCCESS" }] });
    expect((await client.list({ status: "failed", limit: 100 })).tasks.some((task) => task.task_id === created.task_id)).toBe(false);
    expect((await client.list({ task_name: "ffmpeg.extract_audio", limit: 1 })).tasks[0]?.task_id).toBe(retried.task_id);
    const nodes = await client.nodes();
    expect(nodes.nodes.find((node) => node.task_name === "ffmpeg.extract_audio")?.input_schema).toMatchObject({ properties: { video_path: expect.any(Object) } });
  });

  it("pages the listing with next_cursor, newest first, without repeats", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: video } })).task_id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const first = await client.list({ limit: 2 });
    const second = await client.list({ limit: 2, cursor: first.next_cursor ?? "" });
    expect([...first.tasks, ...second.tasks].map((task) => task.task_id).slice(0, 3)).toEqual([...ids].reverse());
    await expect(client.list({ cursor: "nonsense" })).rejects.toMatchObject({ status: 400, code: "INVALID_CURSOR" });
    for (const id of ids) await client.waitFor(id, { timeoutMs: 20_000 });
  });

  it("streams a running node's cancellation, resumes with Last-Event-ID, and ends when the task is deleted", async () => {
    const created = await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: hangingUrl } });
    const stream = client.events(created.task_id);
    const seen: TaskStreamEvent[] = [];
    for (let next = await stream.next(); !next.done; next = await stream.next()) {
      seen.push(next.value);
      if (next.value.event.status === "IN_PROGRESS") break;
    }
    await stream.return("finished");
    const resumeAfter = seen.at(-1)?.id as string;
    await client.cancel(created.task_id);
    const resumed = await collect(client.events(created.task_id, { lastEventId: resumeAfter }));
    expect(resumed.events.map(({ event }) => event.type)).toEqual(["cancelled"]);
    expect(resumed.end).toBe("finished");
    expect((await client.status(created.task_id)).status).toBe("cancelled");

    // A forced delete cancels first: the stream sees the node final and ends "finished".
    const another = await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: hangingUrl } });
    const following = collect(client.events(another.task_id));
    await waitFor(async () => ((await client.status(another.task_id)).status === "running") || undefined, 15_000, "the node to run");
    await client.delete(another.task_id, { force: true });
    const ended = await following;
    expect(ended.end).toBe("finished");
    expect(ended.events.at(-1)?.event.type).toBe("cancelled");
    const gone = await client.status(another.task_id).catch((error: unknown) => error);
    expect(isWfApiError(gone, "TASK_NOT_FOUND")).toBe(true);
  }, 60_000);

  it("ends a stream with \"deleted\" when the task's keys vanish while it runs (expiry, a lost Redis)", async () => {
    const created = await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: hangingUrl } });
    await waitFor(async () => ((await client.status(created.task_id)).status === "running") || undefined, 15_000, "the node to run");
    const following = collect(client.events(created.task_id));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const redis = new Redis(inject("redisUrl"));
    try {
      await createStateStore({ redis }).deleteWorkflowState(created.task_id);
    } finally {
      redis.disconnect();
    }
    const started = Date.now();
    expect((await following).end).toBe("deleted");
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);
});
