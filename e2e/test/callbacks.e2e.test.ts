import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, makeTestVideo, waitFor } from "@wf/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startApp, type AppProcess } from "./processes.js";

let root: string;
let receiver: Server;
let receiverUrl: string;
const received: { status: number; body: Record<string, unknown> }[] = [];
const processes: AppProcess[] = [];

function startGateway(port: number): AppProcess {
  const gateway = startApp("@wf/gateway", {
    REDIS_URL: inject("redisUrl"),
    WF_SHARED_ROOT: root,
    PORT: String(port),
    HOST: "127.0.0.1",
    WF_CALLBACK_ALLOW_PRIVATE: "true",
    WF_CALLBACK_BACKOFF_MS: "2500",
  });
  processes.push(gateway);
  return gateway;
}

async function until(base: string, path: string, ok: (body: Record<string, unknown>) => boolean, what: string) {
  return waitFor(
    async () => {
      const response = await fetch(`${base}${path}`).catch(() => undefined);
      if (!response?.ok) return undefined;
      const body = (await response.json()) as Record<string, unknown>;
      return ok(body) ? body : undefined;
    },
    30_000,
    what,
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-e2e-cb-"));
  await mkdir(join(root, "inputs"), { recursive: true });
  await makeTestVideo(join(root, "inputs", "demo.mp4"), 1);
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      const status = received.length < 2 ? 503 : 200;
      received.push({ status, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(status).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${port}/hook`;
});

afterAll(async () => {
  await Promise.all(processes.map((app) => app.stop()));
  await new Promise((resolve) => receiver.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe("end to end: a callback survives a gateway restart between attempts", () => {
  it("is delivered by the restarted gateway after two failed attempts, and recorded as sent", async () => {
    const worker = startApp("@wf/worker", { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: root, WF_METRICS_PORT: "0" });
    processes.push(worker);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = startGateway(port);
    await until(base, "/v1/tasks/supported-tasks", (body) => JSON.stringify(body).includes("ffmpeg.extract_audio"), "the worker to register");

    const created = await fetch(`${base}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        task_name: "ffmpeg.extract_audio",
        callback: receiverUrl,
        input_data: { video_path: join(root, "inputs", "demo.mp4") },
      }),
    });
    expect(created.status).toBe(200);
    const taskId = ((await created.json()) as { task_id: string }).task_id;

    await waitFor(async () => (received.length >= 1 ? true : undefined), 30_000, "the first delivery attempt");
    expect(await first.stop()).toBe(0); // the gateway goes away between attempts
    const attemptsWhileDown = received.length;

    startGateway(port);
    const status = await until(base, `/v1/tasks/${taskId}/status`, (body) => body["callback_status"] === "sent", "the callback to be sent");
    expect(status["status"]).toBe("completed");
    expect(attemptsWhileDown).toBe(1);
    expect(received.map((entry) => entry.status)).toEqual([503, 503, 200]);
    expect(received[2]?.body).toMatchObject({ task_id: taskId, status: "completed", result: { task_name: "ffmpeg.extract_audio", status: "SUCCESS" } });
  });
});
