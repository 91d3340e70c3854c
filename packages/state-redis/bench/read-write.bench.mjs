#!/usr/bin/env node
// Benchmark of @wf/state-redis against the seed plan's SCAN read, on a Redis it starts itself.
// For each keyspace size (10k, 100k, 1M keys) it prints p50/p99 of getWorkflowState, of the seed's
// SCAN MATCH read (COUNT 10 and COUNT 1000, then GET per key), of one GET of a value with the same
// bytes (the floor), the ratio store/floor, and write throughput of updateWorkflowState against
// raw pipelined SETEX, all on one default ioredis connection. Everything is measured in the same
// run, so only ratios are compared.
// Usage: pnpm bench [-- --sizes 10000,100000,1000000]
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { startRedisServer } from "@wf/testing";
import { createStateStore } from "../dist/index.js";

const args = process.argv.slice(2);
const sizesArg = args[args.indexOf("--sizes") + 1];
const SIZES = args.includes("--sizes") && sizesArg ? sizesArg.split(",").map(Number) : [10_000, 100_000, 1_000_000];
const NODES = ["ffmpeg.extract_audio", "faster_whisper.transcribe_audio", "llm.summarize_text"];
const SAMPLE_TASKS = 200;
const READS = 2_000;
const WRITES = 60_000;
const WRITE_CONCURRENCY = 256;
const WRITE_ROUNDS = 12;

function nodeContext(taskId, taskName, status = "SUCCESS") {
  return {
    workflow_id: taskId,
    create_at: "2026-01-29T00:00:00",
    status: "completed",
    input_params: { task_name: taskName, input_data: { video_path: `/share/workflows/${taskId}/input/demo.mp4` }, callback_url: null },
    shared_storage_path: `/share/workflows/${taskId}`,
    stages: {
      [taskName]: {
        status,
        input_params: { video_path: `/share/workflows/${taskId}/input/demo.mp4`, language: "en", model: "large-v3" },
        output: { path: `/share/workflows/${taskId}/${taskName}/output.json`, notes: "x".repeat(560) },
        error: null,
        duration: 12.5,
      },
    },
    error: null,
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

function summarize(samples) {
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), n: samples.length };
}

async function timeEach(count, fn) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

/** Times two operations alternately, so that machine noise weighs on both alike. */
async function timeInterleaved(count, a, b) {
  const samplesA = [];
  const samplesB = [];
  for (let i = 0; i < count; i++) {
    let start = performance.now();
    await a(i);
    samplesA.push(performance.now() - start);
    start = performance.now();
    await b(i);
    samplesB.push(performance.now() - start);
  }
  return [summarize(samplesA), summarize(samplesB)];
}

/** The seed plan's read: SCAN MATCH {task_id}:node:* with a COUNT, then GET of every key found. */
async function seedScanRead(redis, taskId, count) {
  let cursor = "0";
  const keys = [];
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${taskId}:node:*`, "COUNT", count);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  const values = [];
  for (const key of keys) values.push(JSON.parse(await redis.get(key)));
  if (values.length !== NODES.length) throw new Error(`seed read found ${values.length} nodes`);
  return values;
}

/** Fills the keyspace up to `target` keys the way the store lays it out: 3 node keys + 1 index per task (status SUCCESS). */
async function fillTo(redis, store, target, state) {
  const value = JSON.stringify(nodeContext("bg", NODES[0]));
  while ((await redis.dbsize()) < target) {
    const pipeline = redis.pipeline();
    const tasks = Math.min(2_000, Math.ceil((target - (await redis.dbsize())) / (NODES.length + 1)));
    for (let i = 0; i < tasks; i++) {
      const taskId = `bg-${state.next++}`;
      const indexKey = store.keys.indexKey(taskId);
      for (const node of NODES) {
        pipeline.set(store.nodeKey(taskId, node), value, "EX", 86_400);
        pipeline.zadd(indexKey, 2, node);
      }
      pipeline.expire(indexKey, 86_400);
    }
    await pipeline.exec();
  }
}

/** Runs `count` operations with `concurrency` of them in flight at any time; returns ops/s. */
async function throughput(count, concurrency, op) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

/** Writes `count` SETEX with explicit pipelines of `batch` commands, one batch after another; returns ops/s. */
async function pipelinedSetex(redis, count, batch, keyOf, valueOf) {
  const start = performance.now();
  for (let first = 0; first < count; first += batch) {
    const pipeline = redis.pipeline();
    for (let i = first; i < Math.min(count, first + batch); i++) pipeline.setex(keyOf(i), 86_400, valueOf(i));
    await pipeline.exec();
  }
  return count / ((performance.now() - start) / 1000);
}

/**
 * Write throughput of the store against raw pipelined SETEX of the same JSON on the same
 * connection: the store with WRITE_CONCURRENCY writes in flight, SETEX in explicit pipelines
 * of as many commands. Rounds alternate (so that machine noise weighs on both alike); the
 * median round of each is reported.
 */
async function writeThroughput(redis, store, size) {
  const contexts = Array.from({ length: WRITES }, (_, i) => nodeContext(`w-${size}-${i % 5_000}`, NODES[i % 3], "IN_PROGRESS"));
  const perRound = WRITES / WRITE_ROUNDS;
  const storeRates = [];
  const rawRates = [];
  // Round 0 warms up the JIT and the script cache and is not counted.
  for (let round = 0; round <= WRITE_ROUNDS; round++) {
    const offset = (round % WRITE_ROUNDS) * perRound;
    const storeRate = await throughput(perRound, WRITE_CONCURRENCY, (i) => store.updateWorkflowState(contexts[offset + i]));
    const context = (i) => contexts[offset + i];
    const rawRate = await pipelinedSetex(
      redis,
      perRound,
      WRITE_CONCURRENCY,
      (i) => `raw-${size}:${context(i).workflow_id}:node:${context(i).input_params.task_name}`,
      (i) => JSON.stringify(context(i)),
    );
    if (round === 0) continue;
    storeRates.push(storeRate);
    rawRates.push(rawRate);
  }
  const median = (rates) => rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)];
  return { storeRate: median(storeRates), rawRate: median(rawRates) };
}

const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

const server = await startRedisServer();
const redis = new Redis(server.url);
const store = createStateStore({ redis });
const sampleIds = Array.from({ length: SAMPLE_TASKS }, (_, i) => `sample-${i}`);
for (const taskId of sampleIds) for (const node of NODES) await store.createWorkflowState(nodeContext(taskId, node));
const floorValue = JSON.stringify(NODES.map((node) => nodeContext("sample-0", node)));
await redis.set("floor:value", floorValue);

const fillState = { next: 0 };
const results = [];
console.log(`node ${process.version}; ${NODES.length} nodes per task, ${floorValue.length} bytes per task\n`);
for (const size of SIZES) {
  await fillTo(redis, store, size, fillState);
  const keys = await redis.dbsize();
  // Warm up the script cache and the JIT before measuring.
  for (let i = 0; i < 1_000; i++) await store.getWorkflowState(sampleIds[i % SAMPLE_TASKS]);
  const [storeRead, floor] = await timeInterleaved(
    READS,
    (i) => store.getWorkflowState(sampleIds[i % SAMPLE_TASKS]),
    () => redis.get("floor:value"),
  );
  const scanRuns = size >= 1_000_000 ? 3 : size >= 100_000 ? 5 : 20;
  const scan10 = await timeEach(scanRuns, (i) => seedScanRead(redis, sampleIds[i % SAMPLE_TASKS], 10));
  const scan1000 = await timeEach(scanRuns * 2, (i) => seedScanRead(redis, sampleIds[i % SAMPLE_TASKS], 1000));
  const writes = await writeThroughput(redis, store, size);
  const ratio = storeRead.p50 / floor.p50;
  results.push({ size, ratio, writes });
  console.log(`## ${keys.toLocaleString("en-US")} keys\n`);
  console.log("| read | p50 | p99 | samples |");
  console.log("| --- | --- | --- | --- |");
  console.log(`| store getWorkflowState | ${fmt(storeRead.p50)} | ${fmt(storeRead.p99)} | ${storeRead.n} |`);
  console.log(`| floor: one GET, same bytes | ${fmt(floor.p50)} | ${fmt(floor.p99)} | ${floor.n} |`);
  console.log(`| seed SCAN COUNT 10 + GETs | ${fmt(scan10.p50)} | ${fmt(scan10.p99)} | ${scan10.n} |`);
  console.log(`| seed SCAN COUNT 1000 + GETs | ${fmt(scan1000.p50)} | ${fmt(scan1000.p99)} | ${scan1000.n} |`);
  console.log(`\nstore/floor p50: ${ratio.toFixed(2)}x (target <= 2x)`);
  console.log(
    `writes: updateWorkflowState (${WRITE_CONCURRENCY} in flight) ${Math.round(writes.storeRate).toLocaleString("en-US")}/s, raw SETEX (pipelines of ${WRITE_CONCURRENCY}) ${Math.round(writes.rawRate).toLocaleString("en-US")}/s: ${((writes.storeRate / writes.rawRate) * 100).toFixed(0)}% (target >= 50%)\n`,
  );
}
const first = results[0];
const last = results[results.length - 1];
if (first && last && first !== last) {
  console.log(`ratio drift ${last.size.toLocaleString("en-US")} vs ${first.size.toLocaleString("en-US")} keys: ${(last.ratio / first.ratio).toFixed(2)}x (target <= 1.5x)`);
}
await redis.quit();
await server.stop();
