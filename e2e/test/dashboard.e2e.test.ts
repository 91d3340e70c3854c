import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { WfClient } from "@wf/client";
import { waitFor } from "@wf/testing";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPipelineWorker, type AppProcess } from "./processes.js";
import { startStack, type Stack } from "./stack.js";

// The dashboard at /ui in headless Chromium (Debian's, driven by playwright-core) against the
// real gateway and worker: a task turns completed on its page without a reload, another is
// cancelled with the page's button. Screenshots go to e2e/test-artifacts/.

const artifacts = join(import.meta.dirname, "..", "test-artifacts");
let stack: Stack;
let base: string;
let client: WfClient;
let video: string;
let hangingUrl: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let pipelineWorker: AppProcess | undefined;

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  stack = await startStack(inject("redisUrl"), "dashboard");
  ({ base, client, video, hangingUrl } = stack);
  browser = await chromium.launch({
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
}, 60_000);

afterAll(async () => {
  await pipelineWorker?.stop();
  await browser?.close();
  await stack?.stop();
});

describe("the dashboard at /ui", () => {
  it("lists tasks, shows workers and queue depth, and is served from the gateway alone", async () => {
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    const created = await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: video } });
    await page.goto(`${base}/ui`);
    await page.locator(`tr[data-task-id="${created.task_id}"]`).waitFor({ timeout: 10_000 }).catch(async (error: unknown) => {
      await page.screenshot({ path: join(artifacts, "dashboard-list-failed.png"), fullPage: true });
      throw new Error(`${String(error)}; page errors: ${pageErrors.join(" | ")}; page: ${await page.content()}`);
    });
    await page.locator('.service[data-service="ffmpeg"]').getByText(/1 worker/).waitFor({ timeout: 10_000 });
    // No CDN: everything the page loads comes from the gateway.
    expect(requests.every((url) => url.startsWith(base))).toBe(true);
    await client.waitFor(created.task_id, { timeoutMs: 20_000 });
  });

  it("shows a task turning completed without a reload, and a failing one failed", async () => {
    const loads: string[] = [];
    page.on("load", () => loads.push(page.url()));
    const gated = await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: stack.gatedUrl } });
    await page.goto(`${base}/ui/#/tasks/${gated.task_id}`);
    const node = page.locator('tr[data-node="ffmpeg.extract_audio"]');
    await node.locator(".status", { hasText: "in_progress" }).waitFor({ timeout: 15_000 });
    await page.locator("#task-status .status", { hasText: "running" }).waitFor({ timeout: 10_000 });
    stack.openGate();
    await node.locator(".status", { hasText: "success" }).waitFor({ timeout: 20_000 });
    await page.locator("#task-status .status", { hasText: "completed" }).waitFor({ timeout: 10_000 });
    await expect(node.locator("pre").textContent()).resolves.toContain("audio_path");
    await page.screenshot({ path: join(artifacts, "dashboard-task-completed.png"), fullPage: true });

    const failing = await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: hangingUrl } });
    await page.goto(`${base}/ui/#/tasks/${failing.task_id}`);
    await node.locator(".status", { hasText: "in_progress" }).waitFor({ timeout: 15_000 });
    stack.cutInputs(); // the download breaks: the node fails, and the page follows
    await node.locator(".status", { hasText: "failed" }).waitFor({ timeout: 15_000 });
    await page.locator("#task-status .status", { hasText: "failed" }).waitFor({ timeout: 10_000 });
    // The page was loaded once, in the first test: here only its hash changed, and every
    // status change came over the event stream.
    expect(loads).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it("cancels a running task with its Cancel button", async () => {
    const created = await client.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: hangingUrl } });
    await page.goto(`${base}/ui/#/tasks/${created.task_id}`);
    await page.locator('tr[data-node="ffmpeg.extract_audio"] .status', { hasText: "in_progress" }).waitFor({ timeout: 15_000 });
    await page.locator('button[data-action="cancel"]').click();
    await page.locator('tr[data-node="ffmpeg.extract_audio"] .status', { hasText: "cancelled" }).waitFor({ timeout: 15_000 });
    expect((await client.status(created.task_id)).status).toBe("cancelled");
    await page.screenshot({ path: join(artifacts, "dashboard-task-cancelled.png"), fullPage: true });
  }, 60_000);

  it("draws a running diamond pipeline as a graph, live, with the edge it waits on highlighted", async () => {
    pipelineWorker = await startPipelineWorker({ REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: stack.shared });
    await waitFor(async () => (await client.supportedTasks()).supported_tasks["pipe"]?.includes("pipe.join") || undefined, 10_000, "the pipeline worker's nodes");
    const ref = (stage: string) => `\${{ stages.${stage}.output.value }}`;
    const created = await client.createPipeline({
      nodes: [
        { task_name: "pipe.source", input_data: { value: "x" } },
        { task_name: "pipe.left", input_data: { value: ref("pipe.source"), ms: 60_000 } },
        { task_name: "pipe.right", input_data: { value: ref("pipe.source") } },
        { task_name: "pipe.join", input_data: { left: ref("pipe.left"), right: ref("pipe.right") } },
      ],
    });
    await page.goto(`${base}/ui/#/tasks/${created.task_id}`);
    const graph = page.locator("#graph svg.graph");
    await graph.locator('.graph-node[data-node="pipe.left"][data-status="in_progress"]').waitFor({ timeout: 15_000 });
    await graph.locator('.graph-node[data-node="pipe.right"][data-status="success"]').waitFor({ timeout: 15_000 });
    expect(await graph.locator(".graph-node").count()).toBe(4);
    expect(await graph.locator(".edge").count()).toBe(4);
    // The join waits on the left branch only: that edge is highlighted, the right one is not.
    expect(await graph.locator('.edge.waiting[data-from="pipe.left"][data-to="pipe.join"]').count()).toBe(1);
    expect(await graph.locator(".edge.waiting").count()).toBe(1);
    expect(await graph.locator('.graph-node[data-node="pipe.join"]').getAttribute("data-status")).toBe("pending");
    await page.screenshot({ path: join(artifacts, "dashboard-pipeline-diamond.png"), fullPage: true });
    await page.locator('button[data-action="cancel"]').click();
    await graph.locator('.graph-node[data-node="pipe.join"][data-status="cancelled"]').waitFor({ timeout: 15_000 });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
