#!/usr/bin/env node
// The baseline of bench:e2e: a bare BullMQ Worker with a no-op processor, in its own process.
import { Worker } from "bullmq";
import { Redis } from "ioredis";

const connection = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
const worker = new Worker(process.env.QUEUE, async () => ({ ok: true }), { connection, concurrency: Number(process.env.CONCURRENCY ?? 8) });
await worker.waitUntilReady();
process.stdout.write("ready\n");
process.once("SIGTERM", async () => {
  await worker.close();
  connection.disconnect();
  process.exit(0);
});
