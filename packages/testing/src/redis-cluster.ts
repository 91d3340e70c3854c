import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { startRedisServer, waitForReplicaSync, type RedisServerHandle } from "./redis-server.js";

const run = promisify(execFile);
const REDIS_CLI_BIN = process.env["REDIS_CLI_BIN"] ?? "redis-cli";

/** A local Redis Cluster, owned by a test run. */
export interface RedisClusterHandle {
  nodes: { host: string; port: number }[];
  /**
   * Kills a master that serves slots with SIGKILL (it needs a replica: `replicas` ≥ 1) and
   * resolves once a surviving node reports the cluster ok with its replica promoted.
   */
  killMaster(): Promise<{ failoverMs: number; killedPort: number }>;
  stop(): Promise<void>;
}

async function waitForClusterOk(port: number, timeoutMs = 15_000): Promise<void> {
  const client = new Redis({ port, host: "127.0.0.1" });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await client.cluster("INFO");
      if (info.includes("cluster_state:ok")) return;
      if (Date.now() > deadline) throw new Error(`cluster on port ${port} did not reach cluster_state:ok`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.disconnect();
  }
}

/**
 * Starts `masters` cluster-enabled `redis-server`s, and `replicas` replicas of each, on free
 * ports and joins them into one cluster (node timeout 2 s, so a killed master's replica takes
 * over within a few seconds).
 */
export async function startRedisCluster(masters = 3, options: { replicas?: number } = {}): Promise<RedisClusterHandle> {
  const replicas = options.replicas ?? 0;
  const dir = await mkdtemp(join(tmpdir(), "wf-cluster-"));
  const servers: RedisServerHandle[] = [];
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      servers.push(
        await startRedisServer({
          port,
          dir,
          args: ["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--cluster-node-timeout", "2000", "--repl-diskless-sync-delay", "0"],
        }),
      );
    }
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await run(REDIS_CLI_BIN, ["--cluster", "create", ...addresses, "--cluster-replicas", String(replicas), "--cluster-yes"]);
    for (const server of servers) await waitForClusterOk(server.port);
    // Every replica in sync before a test may kill its master.
    for (const server of servers) await waitForReplicaSync(server.port);
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const alive = new Set(servers);
  return {
    nodes: servers.map((server) => ({ host: "127.0.0.1", port: server.port })),
    async killMaster() {
      const [first] = [...alive];
      if (!first) throw new Error("no node left");
      const probe = new Redis({ port: first.port, host: "127.0.0.1" });
      const lines = String(await probe.cluster("NODES")).trim().split("\n");
      probe.disconnect();
      // "<id> <ip:port@bus> <flags> <master> … <slots>": a master with slots.
      const line = lines.find((entry) => entry.split(" ")[2]?.includes("master") && entry.split(" ").length > 8);
      const killedPort = Number(line?.split(" ")[1]?.split(":")[1]?.split("@")[0]);
      const victim = servers.find((server) => server.port === killedPort);
      if (!victim) throw new Error("no master with slots found");
      const startedAt = Date.now();
      await victim.kill();
      alive.delete(victim);
      const [survivor] = [...alive];
      const client = new Redis({ port: survivor?.port ?? 0, host: "127.0.0.1" });
      try {
        for (;;) {
          const info = String(await client.cluster("INFO"));
          const nodes = String(await client.cluster("NODES"));
          const failed = nodes.split("\n").some((entry) => entry.includes(`:${killedPort}@`) && entry.includes("fail") && !entry.includes("pfail"));
          if (failed && info.includes("cluster_state:ok")) return { failoverMs: Date.now() - startedAt, killedPort };
          if (Date.now() - startedAt > 30_000) throw new Error("the cluster did not fail over within 30 s");
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        client.disconnect();
      }
    },
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
