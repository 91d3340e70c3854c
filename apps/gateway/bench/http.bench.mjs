#!/usr/bin/env node
// HTTP benchmark of GET /v1/tasks/:id/status with 100k tasks in Redis, beside a constant Fastify
// route of the same app measured in the same run. The gateway runs in its own process; the load
// generator is autocannon. Prints requests/s and p50/p99 of both, and the ratio.
// Usage: pnpm bench:http [-- --tasks 100000 --seconds 5 --rounds 3 --connections 32]
import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import autocannon from "autocannon";
import { createStateStore } from "@wf/state-redis";
import { freePort, startRedisServer } from "@wf/testing";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TASKS = arg("tasks", 100_000);
const SECONDS = arg("seconds", 5);
const CONNECTIONS = arg("connections", 32);
const ROUNDS = arg("rounds", 3);

const server = await startRedisServer();
const loader = new Redis(server.url, { enableAutoPipelining: true });
const store = createStateStore({ redis: loader });
const ids = Array.from({ length: TASKS }, (_, i) => `bench-${i}`);
let next = 0;
await Promise.all(
  Array.from({ length: 256 }, async () => {
    while (next < TASKS) {
      const taskId = ids[next++];
      await store.createWorkflowState({
        workflow_id: taskId,
        create_at: "2026-01-29T00:00:00",
        status: "completed",
        input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: `/share/in/${taskId}.mp4` }, callback_url: null },
        shared_storage_path: `/share/workflows/${taskId}`,
        stages: { "ffmpeg.extract_audio": { status: "SUCCESS", output: { audio_path: `/share/workflows/${taskId}/a.wav` }, error: null, duration: 1.2 } },
        error: null,
      });
    }
  }),
);
console.log(`loaded ${TASKS.toLocaleString("en-US")} tasks (${(await loader.dbsize()).toLocaleString("en-US")} keys)`);

const port = await freePort();
const gateway = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/gwprof"] : []), new URL("./serve.mjs", import.meta.url).pathname], {
  env: { ...process.env, REDIS_URL: server.url, PORT: String(port) },
  stdio: ["ignore", "pipe", "inherit"],
});
await new Promise((resolve) => gateway.stdout.on("data", (chunk) => chunk.toString().includes("ready") && resolve()));

async function load(title, requests) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: SECONDS, requests });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${title}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { title, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const random = () => ids[Math.floor(Math.random() * TASKS)];
const constantRequests = [{ method: "GET", path: "/bench/constant" }];
const statusRequests = [{ method: "GET", setupRequest: (req) => ({ ...req, path: `/v1/tasks/${random()}/status` }) }];
await load("warm-up", constantRequests);
await load("warm-up", statusRequests);
// Alternating rounds, so that noise from the machine weighs on both routes alike; the median
// round (by throughput) of each is reported.
const rounds = { constant: [], status: [] };
for (let round = 0; round < ROUNDS; round++) {
  rounds.constant.push(await load("constant route", constantRequests));
  rounds.status.push(await load("GET /v1/tasks/:id/status", statusRequests));
}
const median = (results) => results.sort((a, b) => a.rps - b.rps)[Math.floor(results.length / 2)];
const constant = median(rounds.constant);
const status = median(rounds.status);

console.log(`\n${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s per route (median round shown), node ${process.version}\n`);
console.log("| route | requests/s | p50 | p99 |");
console.log("| --- | --- | --- | --- |");
for (const row of [status, constant]) console.log(`| ${row.title} | ${Math.round(row.rps).toLocaleString("en-US")} | ${row.p50} ms | ${row.p99} ms |`);
console.log(`\nstatus/constant throughput: ${((status.rps / constant.rps) * 100).toFixed(0)}% (target >= 50%); status p99 ${status.p99} ms (target < 10 ms)`);

gateway.kill("SIGINT");
await new Promise((resolve) => gateway.once("exit", resolve));
await loader.quit();
await server.stop();
