import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, makeTestVideo, startRedisServer, waitFor, type RedisServerHandle } from "@wf/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEntry } from "./processes.js";

// The container images as an SRE receives them: built by scripts/images/build.sh from
// deploy/Dockerfile, run with podman (host networking) against a real Redis, a real
// ffmpeg.extract_audio task through the gateway, then SIGTERM to both containers.
// Images are built on podman storage of their own under WF_IMAGE_CACHE (kept between runs:
// the debootstrap base and unchanged layers are reused). WF_SKIP_IMAGES=1 skips this file
// (it needs root and podman; scripts/ensure-tools.sh installs podman on Debian).

const root = join(import.meta.dirname, "..", "..");
const fixtures = join(root, "e2e", "fixtures", "images");
const cache = process.env["WF_IMAGE_CACHE"] ?? "/var/cache/wf-images";
const env = { ...process.env, WF_IMAGE_CACHE: cache };
const tag = "e2e";
const suffix = randomBytes(3).toString("hex");
const names = { gateway: `wf-e2e-gateway-${suffix}`, worker: `wf-e2e-worker-${suffix}` };

const run = async (file: string, args: string[], timeout = 120_000): Promise<string> =>
  (await promisify(execFile)(file, args, { env, timeout, maxBuffer: 64 * 1024 * 1024 })).stdout;
const podman = (...args: string[]): Promise<string> => run(join(fixtures, "podman.sh"), args);
const exitCodeOf = async (name: string): Promise<number> => Number((await podman("inspect", "--format", "{{.State.ExitCode}}", name)).trim());

let redis: RedisServerHandle;
let shared: string;
let key: string;
let base: string;
let workerBase: string;

describe.skipIf(process.env["WF_SKIP_IMAGES"] === "1")("container images", () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error("the image tests run podman as root (set WF_SKIP_IMAGES=1 to skip them)");
    await mkdir(cache, { recursive: true });
    await run("bash", [join(fixtures, "local-node-base.sh")], 600_000);
    await promisify(execFile)("bash", [join(root, "scripts", "images", "build.sh")], {
      env: { ...env, CONTAINER_CLI: join(fixtures, "podman.sh"), WF_IMAGE_TAG: tag, WF_BUILD_ARGS: "--pull=never" },
      timeout: 900_000,
      maxBuffer: 64 * 1024 * 1024,
    });

    redis = await startRedisServer();
    shared = await mkdtemp(join(tmpdir(), "wf-e2e-images-"));
    await mkdir(join(shared, "inputs"));
    await makeTestVideo(join(shared, "inputs", "demo.mp4"), 1);
    // The containers run as uid 1000 (`node`): the shared volume must be theirs to write.
    await chmod(shared, 0o777);
    const printed = await run(process.execPath, [appEntry("@wf/gateway"), "keys", "create", "--team", "smoke"]);
    key = /^(wf_\S+)$/m.exec(printed)?.[1] as string;
    await writeFile(join(shared, "keys.json"), JSON.stringify([JSON.parse(printed.slice(printed.indexOf("{")))]));
    await chmod(join(shared, "keys.json"), 0o644);

    const [port, metricsPort] = [await freePort(), await freePort()];
    const common = ["run", "-d", "--network", "host", "-e", `REDIS_URL=${redis.url}`, "-v", `${shared}:/share/workflows`];
    await podman(...common, "--name", names.gateway, "-e", `PORT=${port}`, "-e", "WF_API_KEYS_FILE=/share/workflows/keys.json", `wf/gateway:${tag}`);
    await podman(...common, "--name", names.worker, "-e", `WF_METRICS_PORT=${metricsPort}`, `wf/worker:${tag}`);
    base = `http://127.0.0.1:${port}`;
    workerBase = `http://127.0.0.1:${metricsPort}`;
    await waitFor(async () => (await fetch(`${base}/v1/tasks/health`).then((r) => r.ok, () => false)) || undefined, 30_000, "the gateway container");
    await waitFor(async () => (await fetch(`${workerBase}/healthz`).then((r) => r.ok, () => false)) || undefined, 30_000, "the worker container");
  }, 1_200_000);

  afterAll(async () => {
    await podman("rm", "-f", "-t", "0", names.gateway, names.worker).catch(() => undefined);
    await redis?.stop();
    if (shared) await rm(shared, { recursive: true, force: true });
  }, 60_000);

  it("runs each app as the non-root user, in production mode, from a bundle without source or dev tools", async () => {
    for (const name of [names.gateway, names.worker]) {
      expect((await podman("exec", name, "id", "-u")).trim()).toBe("1000");
      expect(await podman("exec", name, "printenv", "NODE_ENV")).toBe("production\n");
    }
    const installed = await podman("exec", names.gateway, "ls", "/app/node_modules/.pnpm");
    expect(installed).toMatch(/^fastify@/m);
    expect(installed).not.toMatch(/^(typescript|vitest|tsup|@wf\+testing)@/m);
    expect(await podman("exec", names.gateway, "ls", "/app/node_modules/@wf/gateway")).not.toMatch(/^(src|test)$/m);
    expect(await podman("exec", names.worker, "ffmpeg", "-hide_banner", "-version")).toMatch(/^ffmpeg version/);
    // The media engines and their models: the worker offers their nodes.
    expect(await podman("exec", names.worker, "tesseract", "--list-langs")).toMatch(/^eng$/m);
    expect(await podman("exec", names.worker, "ls", "/usr/share/pocketsphinx/model/en-us")).toMatch(/^en-us$/m);
    expect(await podman("exec", names.worker, "espeak-ng", "--version")).toMatch(/eSpeak NG/);
  });

  it("has a HEALTHCHECK that passes in each image", async () => {
    for (const name of [names.gateway, names.worker]) {
      const healthcheck = await podman("inspect", "--format", "{{json .Config.Healthcheck.Test}}", name);
      expect(healthcheck, name).toMatch(/fetch/);
      await expect(podman("healthcheck", "run", name), name).resolves.toBeDefined();
    }
  });

  it("runs a real ffmpeg.extract_audio task submitted through the gateway", async () => {
    const created = await fetch(`${base}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ task_name: "ffmpeg.extract_audio", input_data: { video_path: "/share/workflows/inputs/demo.mp4" } }),
    });
    expect(created.status).toBe(200);
    const { task_id: taskId } = (await created.json()) as { task_id: string };
    const final = await waitFor(async () => {
      const response = await fetch(`${base}/v1/tasks/${taskId}/status`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await response.json()) as { status: string; result: { output: { audio_path: string } | null } };
      return body.status === "completed" || body.status === "failed" ? body : undefined;
    }, 60_000, `task ${taskId} to finish`);
    expect(final.status, JSON.stringify(final)).toBe("completed");
    const audioPath = final.result.output?.audio_path as string;
    expect(audioPath.startsWith(`/share/workflows/tasks/${taskId}/`)).toBe(true);
    // Written by the worker container into the shared volume.
    const written = await stat(join(shared, audioPath.slice("/share/workflows/".length)));
    expect(written.uid).toBe(1000);
    expect(written.size).toBeGreaterThan(1_000);
  });

  it("stops both containers with exit code 0 within 10 s of SIGTERM", async () => {
    const started = Date.now();
    // podman stop sends SIGTERM, then SIGKILL after -t seconds: an exit code of 0 rules that out.
    await Promise.all([podman("stop", "-t", "10", names.gateway), podman("stop", "-t", "10", names.worker)]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await exitCodeOf(names.gateway)).toBe(0);
    expect(await exitCodeOf(names.worker)).toBe(0);
  }, 30_000);
});
