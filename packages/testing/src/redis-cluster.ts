import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { startRedisServer, type RedisServerHandle } from "./redis-server.js";

const run = promisify(execFile);
const REDIS_CLI_BIN = process.env["REDIS_CLI_BIN"] ?? "redis-cli";

/** A local Redis Cluster of masters only, owned by a test run. */
export interface RedisClusterHandle {
  nodes: { host: string; port: number }[];
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

/** Starts `masters` cluster-enabled `redis-server`s on free ports and joins them into one cluster. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const dir = await mkdtemp(join(tmpdir(), "wf-cluster-"));
  const servers: RedisServerHandle[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      servers.push(
        await startRedisServer({
          port,
          dir,
          args: ["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--cluster-node-timeout", "2000"],
        }),
      );
    }
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await run(REDIS_CLI_BIN, ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"]);
    for (const server of servers) await waitForClusterOk(server.port);
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes: servers.map((server) => ({ host: "127.0.0.1", port: server.port })),
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
