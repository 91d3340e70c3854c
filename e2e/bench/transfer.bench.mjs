#!/usr/bin/env node
// How much a worker's memory grows while it moves a large file through the object store.
//   upload:   bench.make_file writes N MiB; the executor uploads it (multipart, streamed)
//   download: bench.read_file reads it back by s3:// (downloaded into the task folder, streamed)
//   baseline: bench.buffered_copy reads the file into memory and PUTs it whole (what streaming avoids)
// The worker's RSS is sampled from /proc every 20 ms; each phase reports its peak growth over
// the RSS before it, and the ratio to the baseline's growth in the same run.
// Usage: pnpm bench:transfer [-- --mb 1024]
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startRedisServer, startS3Server } from "@wf/testing";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const MB = arg("mb", 1024);
const here = new URL(".", import.meta.url).pathname;
const redisServer = await startRedisServer();
const s3 = await startS3Server();
const shared = await mkdtemp(join(tmpdir(), "wf-bench-transfer-"));
const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function start(script, env) {
  const child = spawn(process.execPath, [script], { env: { ...process.env, REDIS_URL: redisServer.url, WF_SHARED_ROOT: shared, ...s3.minioEnv(), ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  const ready = new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => chunk.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, ready };
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const gateway = spawn(process.execPath, [join(here, "../../apps/gateway/dist/main.js")], { env: { ...process.env, REDIS_URL: redisServer.url, WF_SHARED_ROOT: shared, PORT: String(port), LOG_LEVEL: "warn", ...s3.minioEnv() }, stdio: "inherit" });
children.add(gateway);
const worker = start(join(here, "transfer-worker.mjs"), {});
await worker.ready;
for (;;) {
  const nodes = await fetch(`${base}/v1/nodes`).then((r) => r.json()).catch(() => undefined);
  if (nodes?.nodes?.some((node) => node.task_name === "bench.buffered_copy")) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const rssOf = async (pid) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

/** Runs one task while sampling the worker's RSS; resolves with its peak growth and the task. */
async function phase(body) {
  const before = await rssOf(worker.child.pid);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssOf(worker.child.pid));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const startedAt = performance.now();
  const created = await fetch(`${base}/v1/tasks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
  let task;
  for (;;) {
    task = await fetch(`${base}/v1/tasks/${created.task_id}/result`).then((r) => r.json());
    if (["completed", "failed", "cancelled"].includes(task.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  sampling = false;
  await sampler;
  if (task.status !== "completed") throw new Error(`bench task ${created.task_id} ended ${task.status}: ${task.message}`);
  return { growth: peak - before, seconds: (performance.now() - startedAt) / 1000, task };
}

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const taskId = `task-bench-${Date.now()}`;
const upload = await phase({ task_id: taskId, task_name: "bench.make_file", input_data: { mb: MB } });
const file = upload.task.context.stages["bench.make_file"].output.file_path;
const download = await phase({ task_id: taskId, task_name: "bench.read_file", input_data: { file: `s3://yivideo/${taskId}/nodes/bench.make_file/big.bin` } });
const baseline = await phase({ task_name: "bench.buffered_copy", input_data: { file } });

console.log(`object-store transfers of a ${MB} MiB file, worker RSS growth (peak over the RSS before the phase):`);
console.log(`  write + streamed upload:   +${mib(upload.growth)} MiB  (${upload.seconds.toFixed(1)} s)   ${(upload.growth / baseline.growth).toFixed(3)}x baseline`);
console.log(`  streamed download + hash:  +${mib(download.growth)} MiB  (${download.seconds.toFixed(1)} s)   ${(download.growth / baseline.growth).toFixed(3)}x baseline`);
console.log(`  baseline, buffered PUT:    +${mib(baseline.growth)} MiB  (${baseline.seconds.toFixed(1)} s)`);
const verdict = Math.max(upload.growth, download.growth) < 100 * 1024 * 1024 ? "met" : "missed";
console.log(`  target (growth well under 100 MiB moving 1 GiB): ${MB >= 1024 ? verdict : `not judged at ${MB} MiB; run with --mb 1024`}`);

gateway.kill("SIGTERM");
worker.child.kill("SIGTERM");
await s3.stop();
await redisServer.stop();
await rm(shared, { recursive: true, force: true });
process.exit(0);
