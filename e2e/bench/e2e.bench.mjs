#!/usr/bin/env node
// From request to finished node, side by side with bare BullMQ on this machine.
//   bare: Queue.add -> a no-op BullMQ Worker (own process), until every job is completed;
//   wf:   POST /v1/tasks (gateway process) -> a wf worker running `bench.noop` (own process),
//         until every job is completed (right after its node's SUCCESS write).
// Same Redis, same job count, requests in flight and worker concurrency; rounds alternate and
// the median round is reported, with POST->SUCCESS p50/p99 at idle (to the job's completed
// event, as for bare BullMQ) and under load (to the SUCCESS write's updated_at), and the CPU
// time per task of each process (Redis from INFO).
// Usage: pnpm bench:e2e [-- --tasks 2000 --in-flight 32 --concurrency 8 --rounds 3 --idle 200 --commands]
import { spawn } from "node:child_process";
import http from "node:http";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowProducer, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { freePort, startRedisServer } from "@wf/testing";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TASKS = arg("tasks", 2000);
const IN_FLIGHT = arg("in-flight", 32);
const CONCURRENCY = arg("concurrency", 8);
const ROUNDS = arg("rounds", 3);
const IDLE = arg("idle", 200);
// --commands: print, for each path's last round, the Redis commands per task and their time.
const COMMANDS = process.argv.includes("--commands");

for (const [name, value] of Object.entries({ tasks: TASKS, "in-flight": IN_FLIGHT, concurrency: CONCURRENCY, rounds: ROUNDS, idle: IDLE })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1, not ${value}`);
}

const here = new URL(".", import.meta.url).pathname;
const gatewayMain = new URL("../../apps/gateway/dist/main.js", import.meta.url).pathname;
const redisServer = await startRedisServer();
const redis = new Redis(redisServer.url);
const shared = await mkdtemp(join(tmpdir(), "wf-bench-e2e-"));
const CLOCK_TICKS = 100;

// Every process this bench starts ends with it, even when it fails half-way.
const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function startProcess(script, env) {
  // BENCH_PROFILE=<dir>: each process writes a V8 CPU profile there when it exits.
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, script], { env: { ...process.env, REDIS_URL: redisServer.url, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => chunk.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  ready.catch(() => undefined); // awaited where it matters; an exit at the end is expected
  return { child, ready };
}

/** CPU seconds a process has used (user + system), from /proc. */
async function cpuSeconds(pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** Redis command calls and µs since the last reset, by command (INFO commandstats). */
async function commandStats() {
  const info = await redis.info("commandstats");
  const stats = new Map();
  for (const [, name, calls, usec] of info.matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) stats.set(name, { calls: Number(calls), usec: Number(usec) });
  return stats;
}
/** Prints `stats` per task, dearest first (commands a script runs are also counted on their own). */
function printCommandStats(label, stats) {
  console.log(`\nRedis commands per task, ${label} (calls, µs; commands run by scripts are counted in the script too):`);
  for (const [name, { calls, usec }] of [...stats].sort((a, b) => b[1].usec - a[1].usec)) {
    if (calls >= TASKS / 10) console.log(`  ${name.padEnd(20)} ${(calls / TASKS).toFixed(2).padStart(6)} ${(usec / TASKS).toFixed(1).padStart(7)}`);
  }
}
async function redisCpuSeconds() {
  const info = await redis.info("cpu");
  const value = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return value("used_cpu_user") + value("used_cpu_sys") + value("used_cpu_user_children") + value("used_cpu_sys_children");
}

/** Runs `count` calls of `one(i)` with `inFlight` at a time. */
async function pool(count, inFlight, one) {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) await one(next++);
  }));
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const median = (values) => percentile(values, 50);

async function until(check, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Latencies of `IDLE` tasks run one at a time; `one(i)` resolves once task `i` is finished. */
async function idleLatencies(one) {
  const idle = [];
  for (let i = 0; i < IDLE; i += 1) {
    const t = performance.now();
    await one(i);
    idle.push(performance.now() - t);
  }
  return idle;
}

/** A round's figures: its rate, latencies under load and at idle, and CPU µs per task. */
const roundResult = (seconds, latencies, idle, cpu, commands) => ({
  rate: TASKS / seconds,
  loadP50: median(latencies),
  loadP99: percentile(latencies, 99),
  idleP50: median(idle),
  idleP99: percentile(idle, 99),
  cpu,
  commands,
});

// --- bare BullMQ -----------------------------------------------------------------------------
// One worker process for every round, as wf's, so that both are warm (JIT) when measured.
const bareWorker = startProcess(join(here, "bare-worker.mjs"), { QUEUE: "bare_queue", CONCURRENCY: String(CONCURRENCY) });
await bareWorker.ready;
const bareQueue = new Queue("bare_queue", { connection: new Redis(redisServer.url, { maxRetriesPerRequest: null }) });
const bareEvents = new QueueEvents("bare_queue", { connection: new Redis(redisServer.url, { maxRetriesPerRequest: null }) });
await bareEvents.waitUntilReady();
async function bare() {
  await redis.config("RESETSTAT");
  const cpu0 = [await cpuSeconds(bareWorker.child.pid), await redisCpuSeconds()];
  const driver0 = process.cpuUsage();
  const started = performance.now();
  await pool(TASKS, IN_FLIGHT, (i) => bareQueue.add("noop", { n: i }));
  await until(async () => (await bareQueue.getJobCounts("completed")).completed >= TASKS, "bare jobs");
  const seconds = (performance.now() - started) / 1000;
  const cpu1 = [await cpuSeconds(bareWorker.child.pid), await redisCpuSeconds()];
  const driver = process.cpuUsage(driver0);
  const commands = await commandStats();
  const jobs = await bareQueue.getJobs(["completed"], 0, TASKS);
  const latencies = jobs.map((job) => job.finishedOn - job.timestamp);
  // Idle: one job at a time, add -> completed event.
  const idle = await idleLatencies(async (i) => (await bareQueue.add("noop", { n: i })).waitUntilFinished(bareEvents));
  await bareQueue.clean(0, 0, "completed"); // the next round counts from zero
  return roundResult(seconds, latencies, idle, {
    worker: ((cpu1[0] - cpu0[0]) / TASKS) * 1e6,
    redis: ((cpu1[1] - cpu0[1]) / TASKS) * 1e6,
    driver: (driver.user + driver.system) / TASKS,
  }, commands);
}

// --- wf --------------------------------------------------------------------------------------
const port = await freePort();
const metricsPort = await freePort();
// The reconciler checks every started node once, after a grace period (30 s by default): a short
// one brings that check, a per-task cost, into the round that started the node.
const gateway = startProcess(gatewayMain, { PORT: String(port), HOST: "127.0.0.1", WF_SHARED_ROOT: shared, LOG_LEVEL: "warn", WF_RECONCILE_GRACE_MS: "500", WF_RECONCILE_INTERVAL_MS: "250" });
const wfWorker = startProcess(join(here, "noop-worker.mjs"), { WF_SHARED_ROOT: shared, WF_CONCURRENCY: String(CONCURRENCY), WF_METRICS_PORT: String(metricsPort) });
await Promise.all([wfWorker.ready]);
await until(async () => (await fetch(`http://127.0.0.1:${port}/v1/tasks/health`).then((r) => r.ok, () => false)), "the gateway", 20_000);
await until(async () => {
  const body = await fetch(`http://127.0.0.1:${port}/v1/tasks/supported-tasks`).then((r) => r.json(), () => ({}));
  return body.supported_tasks?.bench?.includes("bench.noop");
}, "bench.noop to be registered", 20_000);

// The wf job completes right after its node's SUCCESS write: counted as bare jobs are, with one
// cheap read (scraping the worker's metrics would cost the worker CPU).
const wfQueue = new Queue("bench_queue", { connection: new Redis(redisServer.url, { maxRetriesPerRequest: null }) });
const succeeded = async () => (await wfQueue.getJobCounts("completed")).completed;
// node:http with keep-alive: a load generator lighter than fetch, whose CPU shares the machine.
const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
/** POSTs a body to /v1/tasks and resolves with the task id. */
const postTask = (payload) =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify(payload);
    const request = http.request(
      { host: "127.0.0.1", port, path: "/v1/tasks", method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (chunk) => (text += chunk));
        response.on("end", () => (response.statusCode === 200 ? resolve(JSON.parse(text).task_id) : reject(new Error(`POST /v1/tasks answered ${response.statusCode}: ${text}`))));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
const create = (n) => postTask({ task_name: "bench.noop", input_data: { n } });

// Completed wf jobs, by task (job ids start with the task id), for the idle measure.
const wfEvents = new QueueEvents("bench_queue", { connection: new Redis(redisServer.url, { maxRetriesPerRequest: null }) });
await wfEvents.waitUntilReady();
const completedTasks = new Set();
let wakeIdle = () => undefined;
wfEvents.on("completed", ({ jobId }) => {
  completedTasks.add(jobId.split(".")[0]);
  wakeIdle();
});

async function wf() {
  const before = await succeeded();
  await redis.config("RESETSTAT");
  const cpu0 = [await cpuSeconds(gateway.child.pid), await cpuSeconds(wfWorker.child.pid), await redisCpuSeconds()];
  const driver0 = process.cpuUsage();
  const posted = new Map();
  const started = performance.now();
  await pool(TASKS, IN_FLIGHT, async (i) => {
    const at = Date.now();
    posted.set(await create(i), at);
  });
  await until(async () => (await succeeded()) - before >= TASKS, "wf nodes");
  const seconds = (performance.now() - started) / 1000;
  const cpu1 = [await cpuSeconds(gateway.child.pid), await cpuSeconds(wfWorker.child.pid), await redisCpuSeconds()];
  const driver = process.cpuUsage(driver0);
  const commands = await commandStats();
  // Under load: POST sent -> the SUCCESS write's updated_at (same clock), for every task.
  const latencies = [];
  const ids = [...posted.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const values = await redis.mget(ids.slice(i, i + 500).map((id) => `${id}:node:bench.noop`));
    values.forEach((value, j) => latencies.push(Date.parse(JSON.parse(value).updated_at) - posted.get(ids[i + j])));
  }
  // Idle: one task at a time, POST -> its job's completed event (as for bare BullMQ; the job
  // completes right after the node's SUCCESS write).
  const idle = await idleLatencies(async (i) => {
    const taskId = await create(i);
    while (!completedTasks.has(taskId)) await new Promise((resolve) => (wakeIdle = resolve));
  });
  return roundResult(seconds, latencies, idle, {
    gateway: ((cpu1[0] - cpu0[0]) / TASKS) * 1e6,
    worker: ((cpu1[1] - cpu0[1]) / TASKS) * 1e6,
    redis: ((cpu1[2] - cpu0[2]) / TASKS) * 1e6,
    driver: (driver.user + driver.system) / TASKS,
  }, commands);
}

// --- rounds ----------------------------------------------------------------------------------
const results = { bare: [], wf: [] };
// One round that is not counted: JIT warm-up of every process.
await bare();
await wf();
for (let round = 0; round < ROUNDS; round += 1) {
  results.bare.push(await bare());
  results.wf.push(await wf());
  console.log(`round ${round + 1}: bare ${results.bare.at(-1).rate.toFixed(0)}/s, wf ${results.wf.at(-1).rate.toFixed(0)}/s`);
}
const pick = (list, get) => median(list.map(get));
const fmt = (n, digits = 1) => n.toFixed(digits);
const bareRate = pick(results.bare, (r) => r.rate);
const wfRate = pick(results.wf, (r) => r.rate);
console.log(`\nnode ${process.version}; ${TASKS} tasks per round, ${IN_FLIGHT} in flight, worker concurrency ${CONCURRENCY}, ${ROUNDS} rounds (median)\n`);
console.log("| path | tasks/s | idle p50 | idle p99 | load p50 | load p99 | CPU µs/task |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
console.log(
  `| bare BullMQ | ${fmt(bareRate, 0)} | ${fmt(pick(results.bare, (r) => r.idleP50))} ms | ${fmt(pick(results.bare, (r) => r.idleP99))} ms | ${fmt(pick(results.bare, (r) => r.loadP50), 0)} ms | ${fmt(pick(results.bare, (r) => r.loadP99), 0)} ms | worker ${fmt(pick(results.bare, (r) => r.cpu.worker), 0)}, redis ${fmt(pick(results.bare, (r) => r.cpu.redis), 0)}, load generator ${fmt(pick(results.bare, (r) => r.cpu.driver), 0)} |`,
);
console.log(
  `| wf (POST -> SUCCESS) | ${fmt(wfRate, 0)} | ${fmt(pick(results.wf, (r) => r.idleP50))} ms | ${fmt(pick(results.wf, (r) => r.idleP99))} ms | ${fmt(pick(results.wf, (r) => r.loadP50), 0)} ms | ${fmt(pick(results.wf, (r) => r.loadP99), 0)} ms | gateway ${fmt(pick(results.wf, (r) => r.cpu.gateway), 0)}, worker ${fmt(pick(results.wf, (r) => r.cpu.worker), 0)}, redis ${fmt(pick(results.wf, (r) => r.cpu.redis), 0)}, load generator ${fmt(pick(results.wf, (r) => r.cpu.driver), 0)} |`,
);
if (COMMANDS) {
  printCommandStats("bare BullMQ", results.bare.at(-1).commands);
  printCommandStats("wf", results.wf.at(-1).commands);
}
console.log(`\nwf / bare BullMQ: ${fmt((wfRate / bareRate) * 100, 0)}% (target >= 50%); wf idle POST->SUCCESS p50 ${fmt(pick(results.wf, (r) => r.idleP50))} ms (target <= 5 ms)`);
// CPU per task of every process together: steadier from run to run than the rates, which also
// follow how busy the VM's neighbours keep its cores.
const cpuPerTask = (list) => pick(list, (r) => Object.values(r.cpu).reduce((sum, value) => sum + value, 0));
const bareCpu = cpuPerTask(results.bare);
const wfCpu = cpuPerTask(results.wf);
console.log(`CPU per task, all processes: bare BullMQ ${fmt(bareCpu, 0)} µs, wf ${fmt(wfCpu, 0)} µs (bare / wf: ${fmt((bareCpu / wfCpu) * 100, 0)}%)`);

// --- pipelines -------------------------------------------------------------------------------
// A 5-node chain of no-op nodes at idle, one at a time: wf (one POST with `nodes`, each `after`
// the previous) against bare BullMQ's FlowProducer running the same 5-level chain (in a flow
// the parent runs after its child: the leaf is level 1).
const flows = new FlowProducer({ connection: new Redis(redisServer.url, { maxRetriesPerRequest: null }) });
const chainTree = (n) => {
  let node = { name: "noop", queueName: "bare_queue", data: { n, level: 1 } };
  for (let level = 2; level <= 5; level += 1) node = { name: "noop", queueName: "bare_queue", data: { n, level }, children: [node] };
  return node;
};
const STEPS = [1, 2, 3, 4, 5].map((k) => `bench.step${k}`);
const postPipeline = (n) => postTask({ nodes: STEPS.map((name, i) => ({ task_name: name, input_data: { n }, ...(i > 0 ? { after: [STEPS[i - 1]] } : {}) })) });
// The last step's job id is `<task_id>.bench.step5.<8 hex>`.
const chainsDone = new Set();
wfEvents.on("completed", ({ jobId }) => {
  if (jobId.includes(".bench.step5.")) chainsDone.add(jobId.slice(0, jobId.indexOf(".bench.step5.")));
  wakeIdle();
});
const bareChains = [];
const wfChains = [];
const hops = [];
for (let i = 0; i < IDLE + 5; i += 1) {
  let t = performance.now();
  await (await flows.add(chainTree(i))).job.waitUntilFinished(bareEvents);
  const bareMs = performance.now() - t;
  t = performance.now();
  const taskId = await postPipeline(i);
  while (!chainsDone.has(taskId)) await new Promise((resolve) => (wakeIdle = resolve));
  const wfMs = performance.now() - t;
  if (i < 5) continue; // warm-up
  bareChains.push(bareMs);
  wfChains.push(wfMs);
  // A hop: the upstream's SUCCESS write (its updated_at) -> the dependent's handler start (right
  // after its IN_PROGRESS write), on one clock.
  const views = (await redis.mget(STEPS.map((name) => `${taskId}:node:${name}`))).map((value) => JSON.parse(value));
  for (let k = 1; k < STEPS.length; k += 1) hops.push(views[k].stages[STEPS[k]].output.started_at - Date.parse(views[k - 1].updated_at));
}
const chainRatio = median(wfChains) / median(bareChains);
console.log(`\n${IDLE} chains of 5 no-op nodes at idle, one at a time:\n`);
console.log("| pipeline | p50 | p99 |");
console.log("| --- | --- | --- |");
console.log(`| bare BullMQ FlowProducer, 5-level chain | ${fmt(median(bareChains))} ms | ${fmt(percentile(bareChains, 99))} ms |`);
console.log(`| wf, 5-node chain in one POST, to the last SUCCESS | ${fmt(median(wfChains))} ms | ${fmt(percentile(wfChains, 99))} ms |`);
console.log(`| wf hop, upstream SUCCESS -> dependent running | ${fmt(median(hops), 2)} ms | ${fmt(percentile(hops, 99), 2)} ms |`);
console.log(`\nwf chain / bare flow: ${fmt(chainRatio, 2)}x (target <= 1.5x); hop p50 ${fmt(median(hops), 2)} ms (target <= 2 ms)`);
await flows.close();

await wfQueue.close();
await wfEvents.close();
await bareEvents.close();
await bareQueue.close();
bareWorker.child.kill("SIGTERM");
gateway.child.kill("SIGTERM");
wfWorker.child.kill("SIGTERM");
await new Promise((resolve) => setTimeout(resolve, 1000)); // profiles are written on exit
redis.disconnect();
await redisServer.stop();
process.exit(0);
