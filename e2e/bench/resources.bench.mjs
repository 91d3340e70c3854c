#!/usr/bin/env node
// What a GPU lease costs a node, against a bare Redis round trip measured in the same run:
//   overhead: hold() + release() of a free slot (what a node with `resources` pays at idle);
//   hand-over: a holder releases while another broker's node waits; the time the freed slot
//              stays idle until the waiter holds it (release -> pub/sub -> acquire).
// Two brokers, each with its own connections, as two worker processes would have.
// Usage: pnpm bench:resources [-- --rounds 500]
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import { startRedisServer } from "@wf/testing";
import { createResourceBroker } from "@wf/worker";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg("rounds", 500);
const server = await startRedisServer();
const scope = `bench-${randomUUID().slice(0, 8)}`;
const logger = pino({ level: "silent" });
const connect = () => new Redis(server.url, { maxRetriesPerRequest: null });
const [redisA, redisB] = [connect(), connect()];
const instances = [{ kind: "gpu", name: "gpu:0", slots: 1 }];
const brokerA = await createResourceBroker({ redis: redisA, scope, instances, leaseMs: 10_000, workerId: "a", logger });
const brokerB = await createResourceBroker({ redis: redisB, scope, instances, leaseMs: 10_000, workerId: "b", logger });
const request = (name) => ({ taskId: `task-${name}`, taskName: "bench.gpu", maxWaitMs: 60_000, signal: new AbortController().signal });
const p50 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p99 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)];

const ping = [];
for (let i = 0; i < ROUNDS; i++) {
  const start = performance.now();
  await redisA.ping();
  ping.push(performance.now() - start);
}

const overhead = [];
for (let i = 0; i < ROUNDS; i++) {
  const start = performance.now();
  const held = await brokerA.hold(["gpu"], request(`o${i}`));
  await held.release();
  overhead.push(performance.now() - start);
}

const handover = [];
for (let i = 0; i < ROUNDS; i++) {
  const held = await brokerA.hold(["gpu"], request(`h${i}`));
  let queued;
  const waiting = brokerB.hold(["gpu"], { ...request(`w${i}`), onWaiting: () => (queued = true) });
  while (!queued) await new Promise((resolve) => setTimeout(resolve, 1));
  const releasedAt = performance.now();
  await held.release();
  const next = await waiting;
  // The waiter holds the slot once hold() resolves; the release's own round trip is not idle time.
  handover.push(performance.now() - releasedAt);
  await next.release();
}

const ms = (value) => `${value.toFixed(2)} ms`;
console.log(`resource leases, ${ROUNDS} rounds each, one Redis on loopback:`);
console.log(`  baseline: Redis PING round trip        p50 ${ms(p50(ping))}  p99 ${ms(p99(ping))}`);
console.log(`  hold + release of a free slot          p50 ${ms(p50(overhead))}  p99 ${ms(p99(overhead))}  (${(p50(overhead) / p50(ping)).toFixed(1)}x a round trip; target p50 <= 1 ms: ${p50(overhead) <= 1 ? "met" : "missed"})`);
console.log(`  release -> waiter holds (incl. release) p50 ${ms(p50(handover))}  p99 ${ms(p99(handover))}  (${(p50(handover) / p50(ping)).toFixed(1)}x a round trip; target p50 <= 5 ms: ${p50(handover) <= 5 ? "met" : "missed"})`);
await Promise.all([brokerA.close(), brokerB.close()]);
redisA.disconnect();
redisB.disconnect();
await server.stop();
process.exit(0);
