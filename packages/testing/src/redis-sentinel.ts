import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { startRedisServer, waitForRedis, waitForReplicaSync, type RedisServerHandle } from "./redis-server.js";

const REDIS_SERVER_BIN = process.env["REDIS_SERVER_BIN"] ?? "redis-server";

/** A master, its replicas and three sentinels on loopback (see {@link startRedisSentinel}). */
export interface RedisSentinelHandle {
  /** The master group the sentinels monitor. */
  name: string;
  sentinels: { host: string; port: number }[];
  /** `REDIS_SENTINELS` for the apps. */
  sentinelsEnv: string;
  /** The two data servers; which is master changes with a failover. */
  servers: RedisServerHandle[];
  /** The server that is master now, as the sentinels say. */
  master(): Promise<RedisServerHandle>;
  /** Kills the master with SIGKILL and resolves once the sentinels name another, with how long that took. */
  killMaster(): Promise<{ failoverMs: number; killed: RedisServerHandle }>;
  stop(): Promise<void>;
}

/**
 * Starts a Redis master, `replicas` replicas (default 1) and three sentinels (quorum 2) on loopback ports, each
 * sentinel with a fresh config file (a sentinel rewrites its own). `down-after-milliseconds` is
 * `downAfterMs` (default 1000), so a killed master is replaced within a few seconds.
 */
export async function startRedisSentinel(options: { downAfterMs?: number; args?: string[]; replicas?: number } = {}): Promise<RedisSentinelHandle> {
  const name = "wfmaster";
  // No diskless-sync delay (5 s by default): the replica is in sync at once, and again at once
  // when it is re-pointed after a failover.
  const dataArgs = ["--repl-diskless-sync-delay", "0", ...(options.args ?? [])];
  const master = await startRedisServer({ args: dataArgs });
  const masterPort = Number(new URL(master.url).port);
  const servers = [master];
  for (let i = 0; i < (options.replicas ?? 1); i++) {
    const replica = await startRedisServer({ args: ["--replicaof", "127.0.0.1", String(masterPort), ...dataArgs] });
    await waitForReplicaSync(replica.port);
    servers.push(replica);
  }
  const dir = await mkdtemp(join(tmpdir(), "wf-sentinel-"));
  const children: ChildProcess[] = [];
  const sentinels: { host: string; port: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${i}.conf`);
    await writeFile(
      conf,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        "",
      ].join("\n"),
    );
    const child = spawn(REDIS_SERVER_BIN, [conf, "--sentinel"], { stdio: "ignore" });
    children.push(child);
    sentinels.push({ host: "127.0.0.1", port });
    await waitForRedis(port);
  }
  const killOnExit = (): void => {
    for (const child of children) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const askSentinel = async (): Promise<number | undefined> => {
    for (const sentinel of sentinels) {
      const client = new Redis({ ...sentinel, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on("error", () => undefined);
      try {
        await client.connect();
        const reply = (await client.call("SENTINEL", "get-master-addr-by-name", name)) as [string, string] | null;
        if (reply) return Number(reply[1]);
      } catch {
        // ask the next one
      } finally {
        client.disconnect();
      }
    }
    return undefined;
  };
  // Wait until every sentinel knows the replica (a failover needs it).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = new Redis({ ...sentinels[0], maxRetriesPerRequest: 0 });
    const replicas = (await client.call("SENTINEL", "replicas", name).catch(() => [])) as unknown[];
    client.disconnect();
    if (replicas.length > 0) break;
    if (Date.now() > deadline) throw new Error("the sentinels did not find the replica");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const serverOnPort = (port: number | undefined): RedisServerHandle => {
    const server = servers.find((candidate) => Number(new URL(candidate.url).port) === port);
    if (!server) throw new Error(`no server of this set on port ${String(port)}`);
    return server;
  };
  return {
    name,
    sentinels,
    sentinelsEnv: sentinels.map((sentinel) => `${sentinel.host}:${sentinel.port}`).join(","),
    servers,
    master: async () => serverOnPort(await askSentinel()),
    async killMaster() {
      const before = await askSentinel();
      const killed = serverOnPort(before);
      const startedAt = Date.now();
      await killed.kill();
      for (;;) {
        const now = await askSentinel();
        if (now !== undefined && now !== before) return { failoverMs: Date.now() - startedAt, killed };
        if (Date.now() - startedAt > 30_000) throw new Error("the sentinels did not fail over within 30 s");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      process.off("exit", killOnExit);
      for (const child of children) child.kill("SIGKILL");
      await Promise.all(servers.map((server) => server.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
