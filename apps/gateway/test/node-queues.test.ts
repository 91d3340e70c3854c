import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { NodeQueues } from "../src/queues/node-queues.js";

const redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
const prefix = `nq${randomUUID().slice(0, 8)}`;
const queues = new NodeQueues(redis, prefix);
beforeAll(() => redis.ping());
afterAll(async () => {
  await queues.close();
  redis.disconnect();
});

describe("node queues", () => {
  it("holds the jobs of concurrent requests on the socket, then sends them together, each enqueued", async () => {
    await queues.depth("bench"); // opens the queue and its connection
    const jobs = Array.from({ length: 10 }, (_, i) => {
      const taskId = `task-${randomUUID()}`;
      return { taskId, jobId: `${taskId}.bench.noop.${i}` };
    });
    const added = jobs.map(({ taskId, jobId }) => queues.enqueue({ task_id: taskId, task_name: "bench.noop", input_data: { i: 1 } }, jobId));
    expect(redis.stream?.writableCorked).toBe(1);
    await Promise.all(added);
    expect(redis.stream?.writableCorked).toBe(0);
    for (const { jobId } of jobs) expect((await queues.jobStatus("bench.noop", jobId))?.state).toBe("waiting");
    expect((await queues.depth("bench")).waiting).toBe(10);
  });
});
