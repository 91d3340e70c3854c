import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createStateStore } from "../src/index.js";
import { buildContext, uniqueTaskId } from "./fixtures.js";

/**
 * Counts the commands a client sends (not those its Lua scripts run) with MONITOR, so that
 * "a fixed number of round trips" is checked on the wire, whatever the size of the task.
 */
let redis: Redis;
let monitor: Redis;
let clientAddress: string;
const seen: { command: string; source: string }[] = [];

beforeAll(async () => {
  redis = new Redis(inject("redisUrl"));
  await redis.ping();
  const info = await redis.client("INFO");
  clientAddress = /addr=(\S+)/.exec(String(info))?.[1] ?? "";
  monitor = await new Redis(inject("redisUrl")).monitor();
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    seen.push({ command: String(args[0]).toLowerCase(), source });
  });
});
afterAll(async () => {
  monitor?.disconnect();
  await redis?.quit();
});

async function commandsSentBy<T>(run: () => Promise<T>): Promise<string[]> {
  await redis.ping();
  await new Promise((resolve) => setTimeout(resolve, 50));
  seen.length = 0;
  await run();
  await redis.echo("end-of-measure");
  await new Promise((resolve) => setTimeout(resolve, 100));
  const mine = seen.filter((entry) => entry.source === clientAddress).map((entry) => entry.command);
  return mine.slice(0, mine.lastIndexOf("echo"));
}

describe("round trips", () => {
  const store = () => createStateStore({ redis });

  it("a read, a write and a delete of a 10-node task each cost one command", async () => {
    const s = store();
    const taskId = uniqueTaskId();
    for (let i = 0; i < 10; i++) await s.createWorkflowState(buildContext(taskId, `node.n${i}`));
    await s.getWorkflowState(uniqueTaskId()); // the first call of each script on a connection loads it

    expect(await commandsSentBy(() => s.getWorkflowState(taskId))).toEqual(["evalsha"]);
    expect(await commandsSentBy(() => s.updateWorkflowState(buildContext(taskId, "node.n3")))).toEqual(["evalsha"]);
    await s.deleteWorkflowState(uniqueTaskId());
    expect(await commandsSentBy(() => s.deleteWorkflowState(taskId))).toEqual(["evalsha"]);
    expect(await s.getWorkflowState(taskId)).toBeNull();
  });
});
