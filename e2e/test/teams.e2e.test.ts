import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { verifyCallbackSignature } from "@wf/context";
import { freePort, makeTestVideo, waitFor } from "@wf/testing";
import { createWfClient } from "@wf/client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appEntry, startApp, type AppProcess } from "./processes.js";

// Several teams on one deployment, with real processes: two gateway replicas sharing one Redis
// and one keys file, a worker, a callback receiver and an input that never finishes.

interface Entry {
  team: string;
  key_sha256: string;
  role: string;
  callback_secret: string;
  [field: string]: unknown;
}

let root: string;
let keysFile: string;
let video: string;
let g1: AppProcess;
let g2: AppProcess;
let worker: AppProcess;
let base1: string;
let base2: string;
let receiver: Server;
let receiverUrl: string;
let hanging: Server;
let hangingUrl: string;
const received: { raw: string; headers: IncomingHttpHeaders }[] = [];
const keys: Record<string, { key: string; entry: Entry }> = {};
const entries: Entry[] = [];

/** Runs the real CLI, as an operator would, and parses the key and entry it prints. */
async function createKey(team: string, role = "member"): Promise<{ key: string; entry: Entry }> {
  const { stdout } = await promisify(execFile)(process.execPath, [appEntry("@wf/gateway"), "keys", "create", "--team", team, "--role", role]);
  const key = /^(wf_\S+)$/m.exec(stdout)?.[1] as string;
  const entry = JSON.parse(stdout.slice(stdout.indexOf("{"))) as Entry;
  return { key, entry };
}

async function startGateway(extra: Record<string, string> = {}): Promise<{ app: AppProcess; base: string }> {
  const port = await freePort();
  const app = startApp("@wf/gateway", {
    REDIS_URL: inject("redisUrl"),
    WF_SHARED_ROOT: root,
    PORT: String(port),
    HOST: "127.0.0.1",
    WF_API_KEYS_FILE: keysFile,
    WF_CALLBACK_ALLOW_PRIVATE: "true",
    ...extra,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/v1/tasks/health`).then((r) => r.ok).catch(() => false)) || undefined, 20_000, `the gateway (${app.output()})`);
  return { app, base };
}

const call = (base: string, path: string, key: string | undefined, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.body ? { "content-type": "application/json" } : {}) } });

const create = (base: string, key: string, body: Record<string, unknown>) => call(base, "/v1/tasks", key, { method: "POST", body: JSON.stringify(body) });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-e2e-teams-"));
  await mkdir(join(root, "inputs"), { recursive: true });
  await mkdir(join(root, "team-c-files"), { recursive: true });
  video = await makeTestVideo(join(root, "inputs", "demo.mp4"), 1);
  for (const [team, role, extra] of [
    ["team-a", "member", {}],
    ["team-b", "member", {}],
    ["ops", "admin", {}],
    ["team-r", "member", { rate_limit_per_second: 5 }],
    ["team-q", "member", { max_active_nodes: 1 }],
    ["team-c", "member", { input_roots: [join(root, "team-c-files")] }],
  ] as const) {
    const created = await createKey(team, role);
    created.entry = { ...created.entry, ...extra };
    keys[team] = created;
    entries.push(created.entry);
  }
  keysFile = join(root, "keys.json");
  await writeFile(keysFile, JSON.stringify(entries));

  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      received.push({ raw, headers: req.headers });
      res.writeHead(200).end();
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  hanging = createServer((_req, res) => res.writeHead(200).write("x"));
  hanging.listen(0, "127.0.0.1");
  await once(hanging, "listening");
  hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/live.mp4`;

  ({ app: g1, base: base1 } = await startGateway({ WF_METRICS_TOKEN: "metrics-token-0123456789", WF_PUBLIC_DOCS: "false" }));
  ({ app: g2, base: base2 } = await startGateway());
  worker = startApp("@wf/worker", { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: root, WF_METRICS_PORT: "0", WF_INPUT_ALLOW_PRIVATE: "true" });
  await waitFor(async () => {
    const response = await call(base1, "/v1/tasks/supported-tasks", keys["team-a"]?.key);
    // This worker's own nodes: a worker killed by an earlier file stays registered for a while.
    const ffmpeg = response.ok ? ((await response.json()) as { supported_tasks: Record<string, string[]> }).supported_tasks["ffmpeg"] : undefined;
    return worker.output().includes("worker started") && (ffmpeg?.length ?? 0) >= 3 ? true : undefined;
  }, 20_000, `the worker (${worker.output()})`);
});

afterAll(async () => {
  await Promise.all([g1?.stop(), g2?.stop(), worker?.stop()]);
  for (const server of [receiver, hanging]) {
    server?.closeAllConnections();
    server?.close();
  }
  await rm(root, { recursive: true, force: true });
});

const key = (team: string): string => keys[team]?.key as string;

describe("several teams on one deployment", () => {
  it("401 without a key and with a wrong one, in our error shape; health stays open", async () => {
    const none = await call(base1, "/v1/tasks/supported-tasks", undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
    const wrong = await call(base1, "/v1/tasks/supported-tasks", "wf_not-a-real-key");
    expect(wrong.status).toBe(401);
    expect((await call(base1, "/v1/tasks/health", undefined)).status).toBe(200);
  });

  it("a team's task is invisible to another team (404 on every route), visible to an admin; callbacks are signed", async () => {
    const created = await create(base1, key("team-a"), { task_name: "ffmpeg.extract_audio", callback: receiverUrl, input_data: { video_path: video } });
    const taskId = ((await created.json()) as { task_id: string }).task_id;
    // Followed from the start, on the other replica: the current state, then every change.
    const following = (async () => {
      const stream = createWfClient({ baseUrl: base2, apiKey: key("team-a") }).events(taskId);
      const types: string[] = [];
      let next = await stream.next();
      for (; !next.done; next = await stream.next()) types.push(next.value.event.type);
      return { types, end: next.value };
    })();
    await waitFor(async () => {
      const body = (await (await call(base1, `/v1/tasks/${taskId}/status`, key("team-a"))).json()) as { status: string };
      return body.status === "completed" ? true : undefined;
    }, 30_000, `the task to complete (${worker.output().slice(-1500)})`);

    const b = key("team-b");
    const attempts = [
      await call(base2, `/v1/tasks/${taskId}/status`, b),
      await call(base2, `/v1/tasks/${taskId}/result`, b),
      await call(base2, `/v1/tasks/${taskId}/retry`, b, { method: "POST" }),
      await call(base2, `/v1/tasks/${taskId}`, b, { method: "DELETE" }),
      await call(base2, `/v1/tasks/${taskId}/delete`, b, { method: "POST", body: JSON.stringify({ force: true }) }),
      await create(base2, b, { task_name: "ffmpeg.extract_keyframes", task_id: taskId, input_data: { video_path: video } }),
    ];
    for (const response of attempts) {
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("TASK_NOT_FOUND");
    }
    const asAdmin = (await (await call(base2, `/v1/tasks/${taskId}/result`, key("ops"))).json()) as { context: { stages: Record<string, unknown> } };
    expect(Object.keys(asAdmin.context.stages)).toEqual(["ffmpeg.extract_audio"]);

    // Listings and event streams are scoped the same way.
    const listed = async (who: string) => (await createWfClient({ baseUrl: base2, apiKey: key(who) }).list({ limit: 100 })).tasks.map((task) => task.task_id);
    expect(await listed("team-a")).toContain(taskId);
    expect(await listed("team-b")).not.toContain(taskId);
    expect(await listed("ops")).toContain(taskId);
    expect((await call(base2, `/v1/tasks/${taskId}/events`, b)).status).toBe(404);
    // The owner's stream: every change once, the callback's delivery last.
    const { types, end } = await following;
    expect(["created", "running"]).toContain(types[0]);
    expect(types.filter((type) => type === "succeeded")).toHaveLength(1);
    expect(types.slice(-2)).toEqual(["succeeded", "callback"]);
    expect(end).toBe("finished");

    const callback = await waitFor(async () => received.find((entry) => entry.raw.includes(taskId)), 15_000, "the callback");
    const signature = callback.headers["x-wf-signature"] as string;
    const secret = keys["team-a"]?.entry.callback_secret as string;
    expect(callback.headers["x-wf-event-id"]).toMatch(/\S/);
    expect(await verifyCallbackSignature(callback.raw, signature, secret)).toBe(true);
    expect(await verifyCallbackSignature(callback.raw.replace("completed", "failed"), signature, secret)).toBe(false);
    expect(await verifyCallbackSignature(callback.raw, signature, keys["team-b"]?.entry.callback_secret as string)).toBe(false);
    expect(await verifyCallbackSignature(callback.raw, signature, secret, { nowSeconds: Date.now() / 1000 + 600 })).toBe(false);
  });

  it("a burst over a team's rate gets 429 with Retry-After, counted across both gateway processes", async () => {
    // Start at the beginning of a second, so the burst falls in one one-second window.
    while (Date.now() % 1000 > 50) await new Promise((resolve) => setTimeout(resolve, 5));
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(i % 2 === 0 ? base1 : base2, "/v1/tasks/supported-tasks", key("team-r"))),
    );
    const allowed = responses.filter((response) => response.status === 200);
    const limited = responses.filter((response) => response.status === 429);
    expect(allowed.length + limited.length).toBe(20);
    expect(allowed.length).toBeLessThanOrEqual(5);
    expect(limited[0]?.headers.get("retry-after")).toBe("1");
    expect(((await limited[0]?.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    // Another team is not affected.
    expect((await call(base2, "/v1/tasks/supported-tasks", key("team-a"))).status).toBe(200);
  });

  it("a team over its active-node quota gets 429 TOO_MANY_ACTIVE_TASKS, and room again once a node ends", async () => {
    const first = await create(base1, key("team-q"), { task_name: "ffmpeg.extract_audio", input_data: { video_path: hangingUrl } });
    const firstId = ((await first.json()) as { task_id: string }).task_id;
    const second = await create(base2, key("team-q"), { task_name: "ffmpeg.extract_audio", input_data: { video_path: video } });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("TOO_MANY_ACTIVE_TASKS");
    expect((await call(base1, `/v1/tasks/${firstId}`, key("team-q"), { method: "DELETE" })).status).toBe(200);
    expect((await create(base2, key("team-q"), { task_name: "ffmpeg.extract_audio", input_data: { video_path: video } })).status).toBe(200);
  });

  it("a team's own input roots keep its nodes out of other files: refused at create, and by the worker through a symlink", async () => {
    const refused = await create(base1, key("team-c"), { task_name: "ffmpeg.extract_audio", input_data: { video_path: video } });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("INVALID_INPUT");
    expect(body.error.message).toMatch(/input_data\.video_path is outside your team's input roots/);
    // A link inside the team's root that leads out of it is for the worker to find.
    const link = join(root, "team-c-files", "link.mp4");
    await symlink(video, link);
    const created = await create(base1, key("team-c"), { task_name: "ffmpeg.extract_audio", input_data: { video_path: link } });
    expect(created.status).toBe(200);
    const taskId = ((await created.json()) as { task_id: string }).task_id;
    const final = await waitFor(async () => {
      const status = (await (await call(base1, `/v1/tasks/${taskId}/status`, key("team-c"))).json()) as { status: string; result: { error: string } };
      return status.status === "failed" || status.status === "completed" ? status : undefined;
    }, 20_000, "the node to end");
    expect(final.status).toBe("failed");
    expect(final.result.error).toBe(`input file not found or not allowed: ${link}`);
  });

  it("metrics take their token and docs a key where so configured", async () => {
    expect((await call(base1, "/metrics", undefined)).status).toBe(401);
    expect((await call(base1, "/metrics", "metrics-token-0123456789")).status).toBe(200);
    expect((await call(base1, "/openapi.json", undefined)).status).toBe(401);
    expect((await call(base1, "/openapi.json", key("team-a"))).status).toBe(200);
    expect((await call(base2, "/openapi.json", undefined)).status).toBe(200);
  });

  it("keys are reloaded on SIGHUP", async () => {
    const added = await createKey("team-new");
    expect((await call(base1, "/v1/tasks/supported-tasks", added.key)).status).toBe(401);
    await writeFile(keysFile, JSON.stringify([...entries, added.entry]));
    g1.child.kill("SIGHUP");
    await waitFor(async () => ((await call(base1, "/v1/tasks/supported-tasks", added.key)).status === 200 ? true : undefined), 5_000, "the reload");
  });

  it("refuses to listen on a public address without keys, unless anonymous access is asked for", async () => {
    const port = await freePort();
    const refused = startApp("@wf/gateway", { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: root, PORT: String(port), HOST: "0.0.0.0" });
    const code = await new Promise((resolve) => refused.child.once("exit", resolve));
    expect(code).toBe(2);
    expect(refused.output()).toMatch(/refusing to listen on 0\.0\.0\.0 without API keys/);
    const allowed = startApp("@wf/gateway", { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: root, PORT: String(port), HOST: "0.0.0.0", WF_ALLOW_ANONYMOUS: "true" });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v1/tasks/health`).then((r) => r.ok).catch(() => false)) || undefined, 20_000, "the anonymous gateway");
    expect(await allowed.stop()).toBe(0);
  });
});
