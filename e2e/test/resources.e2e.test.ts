// Shared resources (GPU leases) as real processes: worker processes of two services share one
// `gpu:0` through Redis; runs are recorded by the nodes themselves (start/end, this machine's clock).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "@wf/testing";
import { mkdir } from "node:fs/promises";
import { Redis } from "ioredis";
import { chromium } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { startApp, startScript, type AppProcess } from "./processes.js";

const GPU_WORKER = join(import.meta.dirname, "..", "fixtures", "gpu-worker", "worker.mjs");
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Run = { task: string; pid: number; start: number; end: number; outcome: string };

const redis = new Redis(inject("redisUrl"));
let shared: string;
let gateway: AppProcess;
let base: string;
const workers: AppProcess[] = [];

async function startGpuWorker(service: string, env: Record<string, string>): Promise<AppProcess> {
  const worker = startScript(GPU_WORKER, { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: shared, WF_TEST_SERVICE: service, ...env });
  workers.push(worker);
  await waitFor(async () => worker.output().includes("ready") || undefined, 20_000, `the ${service} worker (${worker.output()})`);
  await waitFor(async () => {
    const nodes = (await (await fetch(`${base}/v1/nodes`)).json()) as Json;
    return nodes["nodes"].some((node: Json) => node["task_name"] === `${service}.infer` && node["workers"] >= 1) || undefined;
  }, 20_000, `${service}.infer to register`);
  return worker;
}

async function create(service: string, ms: number, run: string): Promise<string> {
  const response = await fetch(`${base}/v1/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ task_name: `${service}.infer`, input_data: { ms, run } }) });
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body["task_id"];
}

async function stageOf(taskId: string, taskName: string): Promise<Json> {
  const result = (await (await fetch(`${base}/v1/tasks/${taskId}/result`)).json()) as Json;
  return result["context"]["stages"][taskName];
}

async function final(taskId: string, taskName: string, timeoutMs = 60_000): Promise<Json> {
  return waitFor(async () => {
    const stage = await stageOf(taskId, taskName);
    return ["SUCCESS", "FAILED", "CANCELLED"].includes(stage["status"]) ? stage : undefined;
  }, timeoutMs, `${taskName} on ${taskId} to finish`);
}

/** A gpua node that holds the GPU for `holderMs`, then a gpub node queued behind it (`waiterMs`). */
async function holderThenWaiter(run: string, holderMs: number, waiterMs: number): Promise<{ holder: string; waiter: string }> {
  const holder = await create("gpua", holderMs, run);
  await waitFor(async () => (await stageOf(holder, "gpua.infer"))["resources"] || undefined, 20_000, "the holder to take the GPU");
  const waiter = await create("gpub", waiterMs, run);
  await waitFor(async () => (await stageOf(waiter, "gpub.infer"))["waiting_for_resource"] === "gpu" || undefined, 20_000, "the waiter to queue");
  return { holder, waiter };
}

const runsOf = async (run: string): Promise<Run[]> => (await redis.lrange(`gpu-runs:${run}`, 0, -1)).map((entry) => JSON.parse(entry) as Run).sort((a, b) => a.start - b.start);
/** The most runs in progress at once. */
function maxConcurrent(runs: readonly Run[]): number {
  const edges = runs.flatMap((run) => [[run.start, 1], [run.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, step] of edges) max = Math.max(max, (now += step));
  return max;
}
const scope = () => `test-${randomBytes(4).toString("hex")}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  shared = await mkdtemp(join(tmpdir(), "wf-e2e-resources-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  gateway = startApp("@wf/gateway", { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: shared, PORT: String(port) });
  await waitFor(async () => (await fetch(`${base}/v1/tasks/health`).then((r) => r.ok, () => false)) || undefined, 20_000, `the gateway (${gateway.output()})`);
});

/** SIGKILLs every worker a test started (also when it failed half-way), so none takes the next test's jobs. */
async function killWorkers(): Promise<void> {
  await Promise.all(
    workers.splice(0).map(async (worker) => {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
      const exited = new Promise((resolve) => worker.child.once("exit", resolve));
      worker.child.kill("SIGCONT");
      worker.child.kill("SIGKILL");
      await exited;
    }),
  );
}
afterEach(killWorkers);

afterAll(async () => {
  await killWorkers();
  await gateway?.stop();
  redis.disconnect();
  await rm(shared, { recursive: true, force: true });
});

describe("a GPU shared by two services' worker processes", () => {
  it("runs twelve 1-second nodes one at a time, all of them, in arrival order", async () => {
    const env = { WF_RESOURCES: "gpu:0=1", WF_RESOURCE_SCOPE: scope() };
    const [a, b] = [await startGpuWorker("gpua", env), await startGpuWorker("gpub", env)];
    const run = `order-${randomBytes(4).toString("hex")}`;
    const tasks: [string, string][] = [];
    for (let i = 0; i < 12; i++) {
      const service = i % 2 === 0 ? "gpua" : "gpub";
      tasks.push([await create(service, 1_000, run), `${service}.infer`]);
    }
    const stages = await Promise.all(tasks.map(([taskId, name]) => final(taskId, name, 90_000)));
    expect(stages.map((stage) => stage["status"])).toEqual(Array(12).fill("SUCCESS"));
    const runs = await runsOf(run);
    expect(runs).toHaveLength(12);
    expect(maxConcurrent(runs)).toBe(1);
    expect(new Set(runs.map((r) => r.pid))).toEqual(new Set([a.child.pid, b.child.pid]));
    // Started in the order they joined the queue.
    const queuedAt = new Map(tasks.map(([taskId], i) => [taskId, stages[i]?.["resource_queued_at"] as number]));
    const byArrival = [...runs].sort((x, y) => (queuedAt.get(x.task) ?? 0) - (queuedAt.get(y.task) ?? 0)).map((r) => r.task);
    expect(runs.map((r) => r.task)).toEqual(byArrival);
    expect(stages.every((stage) => typeof stage["resource_wait_seconds"] === "number" && stage["resources"]?.[0] === `${env.WF_RESOURCE_SCOPE}/gpu:0`)).toBe(true);
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }, 120_000);

  it("admits two at once with two slots", async () => {
    const env = { WF_RESOURCES: "gpu:0=2", WF_RESOURCE_SCOPE: scope() };
    const [a, b] = [await startGpuWorker("gpua", env), await startGpuWorker("gpub", env)];
    const run = `slots-${randomBytes(4).toString("hex")}`;
    const tasks: [string, string][] = [];
    for (let i = 0; i < 6; i++) tasks.push([await create(i % 2 ? "gpub" : "gpua", 800, run), i % 2 ? "gpub.infer" : "gpua.infer"]);
    await Promise.all(tasks.map(([taskId, name]) => final(taskId, name)));
    const runs = await runsOf(run);
    expect(runs.map((r) => r.outcome)).toEqual(Array(6).fill("done"));
    expect(maxConcurrent(runs)).toBe(2);
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }, 60_000);

  it("a holder SIGKILLed loses its slot when its lease ends: the next waiter starts within the lease", async () => {
    const lease = 1_500;
    const env = { WF_RESOURCES: "gpu:0=1", WF_RESOURCE_SCOPE: scope(), WF_RESOURCE_LEASE_MS: String(lease) };
    const [a, b] = [await startGpuWorker("gpua", env), await startGpuWorker("gpub", env)];
    const run = `kill-${randomBytes(4).toString("hex")}`;
    const { waiter } = await holderThenWaiter(run, 20_000, 200);
    const killedAt = Date.now();
    a.child.kill("SIGKILL");
    expect((await final(waiter, "gpub.infer"))["status"]).toBe("SUCCESS");
    const [started] = (await runsOf(run)).filter((r) => r.task === waiter);
    expect(started!.start - killedAt).toBeLessThanOrEqual(lease + 500);
    b.child.kill("SIGKILL");
  }, 60_000);

  it("a holder frozen (SIGSTOP) past its lease stops its node when it wakes: never two running at once", async () => {
    const lease = 1_500;
    const env = { WF_RESOURCES: "gpu:0=1", WF_RESOURCE_SCOPE: scope(), WF_RESOURCE_LEASE_MS: String(lease) };
    const [a, b] = [await startGpuWorker("gpua", env), await startGpuWorker("gpub", env)];
    const run = `stop-${randomBytes(4).toString("hex")}`;
    const { holder: frozen, waiter: next } = await holderThenWaiter(run, 8_000, 1_000);
    a.child.kill("SIGSTOP");
    await sleep(lease + 2_000);
    const wokenAt = Date.now();
    a.child.kill("SIGCONT");
    const [frozenStage, nextStage] = [await final(frozen, "gpua.infer"), await final(next, "gpub.infer")];
    expect(nextStage["status"]).toBe("SUCCESS");
    expect(frozenStage["status"]).toBe("FAILED");
    expect(frozenStage["error"]).toMatch(/lease .*(ran out|lost)|lost its lease/);
    const runs = await waitFor(async () => ((await runsOf(run)).length === 2 ? runsOf(run) : undefined), 5_000, "both runs to be recorded");
    const frozenRun = runs.find((r) => r.task === frozen)!;
    const nextRun = runs.find((r) => r.task === next)!;
    expect(frozenRun.outcome).toBe("aborted");
    // It stopped as soon as it woke, and the next holder took the GPU only after the lease ran out.
    expect(frozenRun.end - wokenAt).toBeLessThan(300);
    // (The frozen node took its lease a few ms before its run began recording.)
    expect(nextRun.start).toBeGreaterThanOrEqual(frozenRun.start + lease - 50);
    expect(maxConcurrent(runs.filter((r) => r.outcome === "done"))).toBe(1);
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }, 60_000);

  it("a node cancelled while it waits leaves the queue at once and ends CANCELLED", async () => {
    const instanceScope = scope();
    const env = { WF_RESOURCES: "gpu:0=1", WF_RESOURCE_SCOPE: instanceScope };
    const [a, b] = [await startGpuWorker("gpua", env), await startGpuWorker("gpub", env)];
    const run = `cancel-${randomBytes(4).toString("hex")}`;
    const { holder, waiter } = await holderThenWaiter(run, 3_000, 100);
    const cancelled = await fetch(`${base}/v1/tasks/${waiter}`, { method: "DELETE" });
    expect(cancelled.status).toBe(200);
    expect((await final(waiter, "gpub.infer"))["status"]).toBe("CANCELLED");
    const listing = (await (await fetch(`${base}/v1/resources`)).json()) as Json;
    const gpu = listing["resources"].find((r: Json) => r["instance"] === `${instanceScope}/gpu:0`);
    expect(gpu["waiters"]).toEqual([]);
    expect((await final(holder, "gpua.infer"))["status"]).toBe("SUCCESS");
    expect((await runsOf(run)).map((r) => r.task)).toEqual([holder]); // the cancelled node never ran
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }, 60_000);

  it("the dashboard's services page shows each GPU, its holder and its waiters", async () => {
    const instanceScope = scope();
    const env = { WF_RESOURCES: "gpu:0=1", WF_RESOURCE_SCOPE: instanceScope };
    const [a, b] = [await startGpuWorker("gpua", env), await startGpuWorker("gpub", env)];
    const run = `ui-${randomBytes(4).toString("hex")}`;
    const { holder } = await holderThenWaiter(run, 8_000, 100);
    const browser = await chromium.launch({
      executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
      await page.goto(`${base}/ui`);
      const card = page.locator(`.resource[data-resource="${instanceScope}/gpu:0"]`);
      await card.getByText("1/1 in use").waitFor({ timeout: 10_000 });
      await card.getByText("1 waiting").waitFor({ timeout: 10_000 });
      expect(await card.locator("a").getAttribute("href")).toBe(`#/tasks/${holder}`);
      const artifacts = join(import.meta.dirname, "..", "test-artifacts");
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "dashboard-resources.png") });
    } finally {
      await browser.close();
    }
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }, 60_000);

  it("a waiter past its limit ends FAILED RESOURCE_TIMEOUT and leaves the queue", async () => {
    const instanceScope = scope();
    const env = { WF_RESOURCES: "gpu:0=1", WF_RESOURCE_SCOPE: instanceScope, WF_RESOURCE_LEASE_MS: "1500" };
    const a = await startGpuWorker("gpua", env);
    const b = await startGpuWorker("gpub", { ...env, WF_RESOURCE_WAIT_MS: "1000" });
    const run = `wait-${randomBytes(4).toString("hex")}`;
    const holder = await create("gpua", 8_000, run);
    await waitFor(async () => (await stageOf(holder, "gpua.infer"))["resources"] || undefined, 20_000, "the holder to take the GPU");
    const waiter = await create("gpub", 100, run);
    const stage = await final(waiter, "gpub.infer", 10_000);
    expect(stage["status"]).toBe("FAILED");
    expect(stage["error"]).toMatch(/^RESOURCE_TIMEOUT: no gpu slot came free within 1 s/);

    // The monitoring routes see the holder, no waiter, and the timeout.
    const status = (await (await fetch(`${base}/api/v1/monitoring/gpu-lock/status?lock_key=${encodeURIComponent(`${instanceScope}/gpu:0`)}`)).json()) as Json;
    expect(status).toMatchObject({ is_locked: true, lock_type: "lease", recent_history: [] });
    expect(status["resource"]["holders"]).toEqual([expect.objectContaining({ task_id: holder, task_name: "gpua.infer" })]);
    expect(status["resource"]["waiters"]).toEqual([]);
    expect(status["ttl_seconds"]).toBeGreaterThan(0);
    const health = (await (await fetch(`${base}/api/v1/monitoring/gpu-lock/health?lock_key=${encodeURIComponent(`${instanceScope}/gpu:0`)}`)).json()) as Json;
    expect(health).toMatchObject({ overall_status: "warning", total_attempts: 2, timeout_rate: 0.5 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`wf_resource_holders{instance="${instanceScope}/gpu:0"} 1`);
    expect(metrics).toContain(`wf_resource_waiters{instance="${instanceScope}/gpu:0"} 0`);
    expect(metrics).toContain(`wf_resource_slots{instance="${instanceScope}/gpu:0"} 1`);
    const listing = (await (await fetch(`${base}/v1/resources`)).json()) as Json;
    expect(listing["resources"].map((r: Json) => r["instance"])).toContain(`${instanceScope}/gpu:0`);

    // An admin release frees that holder only (by token); its node is stopped at its next renewal.
    const released = (await (
      await fetch(`${base}/api/v1/monitoring/lock/release`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ lock_key: `${instanceScope}/gpu:0`, token: status["lock_holder"] }) })
    ).json()) as Json;
    expect(released).toMatchObject({ success: true, task_name: "manual" });
    const stopped = await final(holder, "gpua.infer");
    expect(stopped["status"]).toBe("FAILED");
    expect(stopped["error"]).toMatch(/lost its lease/);
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }, 60_000);
});
