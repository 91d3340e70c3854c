import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startRedisServer, waitFor, type RedisServerHandle } from "@wf/testing";
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

    // The read is native (SORT_RO ... GET): the values never pass through Lua.
    expect(await commandsSentBy(() => s.getWorkflowState(taskId))).toEqual(["sort_ro"]);
    expect(await commandsSentBy(() => s.updateWorkflowState(buildContext(taskId, "node.n3")))).toEqual(["evalsha"]);
    await s.deleteWorkflowState(uniqueTaskId());
    expect(await commandsSentBy(() => s.deleteWorkflowState(taskId))).toEqual(["evalsha"]);
    expect(await s.getWorkflowState(taskId)).toBeNull();
  });

  it("a read that finds expired nodes prunes them with one more command", async () => {
    const s = store();
    const taskId = uniqueTaskId();
    for (const name of ["a.kept", "b.gone", "c.gone"]) await s.createWorkflowState(buildContext(taskId, name));
    await redis.del(s.nodeKey(taskId, "b.gone"), s.nodeKey(taskId, "c.gone"));

    const sent = await commandsSentBy(() => s.getWorkflowState(taskId));
    expect(sent).toEqual(["sort_ro", expect.stringMatching(/^eval(sha)?$/)]);
    expect(await redis.zrange(s.keys.indexKey(taskId), "0", "-1")).toEqual(["a.kept"]);
    expect(await commandsSentBy(() => s.getWorkflowState(taskId))).toEqual(["sort_ro"]);
  });
});

describe("round trips where the server refuses SORT_RO", () => {
  let server: RedisServerHandle;
  let client: Redis;
  beforeAll(async () => {
    // As a Redis Cluster before 7.2 (GET patterns denied) or a Redis before 7.0 would.
    server = await startRedisServer({ args: ["--rename-command", "SORT_RO", ""] });
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  it("reads through the script from the first refusal on, with the same results", async () => {
    const s = createStateStore({ redis: client });
    const taskId = uniqueTaskId();
    for (const name of ["a.one", "b.two", "c.gone"]) await s.createWorkflowState(buildContext(taskId, name));
    await client.del(s.nodeKey(taskId, "c.gone"));
    const errorReplies = async (): Promise<number> =>
      Number(/total_error_replies:(\d+)/.exec(await client.info("stats"))?.[1] ?? Number.NaN);
    const sent: string[] = [];
    const monitor = await new Redis(server.url).monitor();
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source !== "lua") sent.push(String(args[0]).toLowerCase());
    });
    try {
      const errorsBefore = await errorReplies();
      const first = await s.getWorkflowState(taskId);
      const second = await s.getWorkflowState(taskId);
      expect(Object.keys(first?.stages ?? {}).sort()).toEqual(["a.one", "b.two"]);
      expect(second).toEqual(first);
      // One refusal (an unknown command, which MONITOR does not show), then only the script:
      // EVAL loads it on this connection, EVALSHA after.
      expect(await errorReplies()).toBe(errorsBefore + 1);
      await waitFor(async () => (sent.includes("evalsha") ? true : undefined));
      expect(sent.filter((command) => command.startsWith("eval"))).toEqual(["eval", "evalsha"]);
      expect(await client.zrange(s.keys.indexKey(taskId), "0", "-1")).toEqual(["a.one", "b.two"]);
    } finally {
      monitor.disconnect();
    }
  });
});

describe("a user whose ACL does not allow SORT_RO", () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("reads through the script", async () => {
    const admin = new Redis(server.url);
    await admin.acl("SETUSER", "limited", "on", ">secret", "~*", "&*", "+@all", "-sort_ro");
    const url = new URL(server.url);
    const client = new Redis({ host: url.hostname, port: Number(url.port), username: "limited", password: "secret" });
    try {
      const s = createStateStore({ redis: client });
      const taskId = uniqueTaskId();
      for (const name of ["a.one", "b.two"]) await s.createWorkflowState(buildContext(taskId, name));
      await expect(client.sort_ro(s.keys.indexKey(taskId))).rejects.toThrow(/NOPERM/);
      for (let read = 0; read < 2; read++) {
        expect(Object.keys((await s.getWorkflowState(taskId))?.stages ?? {}).sort()).toEqual(["a.one", "b.two"]);
      }
    } finally {
      await client.quit();
      await admin.quit();
    }
  });
});
