import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWfClient, type WfClient } from "@wf/client";
import { freePort, makeTestVideo, waitFor } from "@wf/testing";
import { startApp, type AppProcess } from "./processes.js";

/** A gateway and a worker as real processes on one Redis, with a test video and an input server. */
export interface Stack {
  base: string;
  client: WfClient;
  gateway: AppProcess;
  worker: AppProcess;
  shared: string;
  /** A one-second test video under the shared root. */
  video: string;
  /** An http input that sends one byte and never finishes (the worker may read private hosts). */
  hangingUrl: string;
  /** An http input that sends the test video once {@link Stack.openGate} is called. */
  gatedUrl: string;
  openGate(): void;
  /** Cuts every download from the input server: a node reading one fails. */
  cutInputs(): void;
  /** Cuts the inputs, stops both apps (SIGTERM) and removes the shared root; resolves with their exit codes. */
  stop(): Promise<{ gateway: number | null; worker: number | null }>;
}

/** Starts a {@link Stack} on `redisUrl`; `gatewayEnv` adds to the gateway's environment. */
export async function startStack(redisUrl: string, name: string, gatewayEnv: Record<string, string> = {}): Promise<Stack> {
  const shared = await mkdtemp(join(tmpdir(), `wf-e2e-${name}-`));
  await mkdir(join(shared, "inputs"));
  const video = await makeTestVideo(join(shared, "inputs", "demo.mp4"), 1);
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const inputs = createServer((req, res) => {
    if (req.url !== "/gated.mp4") return void res.writeHead(200).write("x");
    void gate.then(async () => res.writeHead(200, { "content-type": "video/mp4" }).end(await readFile(video)));
  });
  inputs.listen(0, "127.0.0.1");
  await once(inputs, "listening");
  const inputBase = `http://127.0.0.1:${(inputs.address() as AddressInfo).port}`;
  const [port, metricsPort] = [await freePort(), await freePort()];
  const common = { REDIS_URL: redisUrl, WF_SHARED_ROOT: shared };
  const gateway = startApp("@wf/gateway", { ...common, PORT: String(port), ...gatewayEnv });
  const worker = startApp("@wf/worker", { ...common, WF_METRICS_PORT: String(metricsPort), WF_INPUT_ALLOW_PRIVATE: "true" });
  const base = `http://127.0.0.1:${port}`;
  const client = createWfClient({ baseUrl: base });
  await waitFor(async () => (await client.supportedTasks().catch(() => undefined))?.supported_tasks["ffmpeg"]?.includes("ffmpeg.extract_audio") || undefined, 20_000, `the apps (${gateway.output()} ${worker.output()})`);
  const cutInputs = () => inputs.closeAllConnections();
  return {
    base,
    client,
    gateway,
    worker,
    shared,
    video,
    hangingUrl: `${inputBase}/live.mp4`,
    gatedUrl: `${inputBase}/gated.mp4`,
    openGate,
    cutInputs,
    async stop() {
      // A node may still download from the input server: cut it, so the worker can stop.
      cutInputs();
      inputs.close();
      const codes = { gateway: await gateway.stop(), worker: await worker.stop() };
      await rm(shared, { recursive: true, force: true });
      return codes;
    },
  };
}
