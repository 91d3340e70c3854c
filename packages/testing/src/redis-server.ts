import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";

/** A `redis-server` process owned by a test run. */
export interface RedisServerHandle {
  port: number;
  url: string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
  /** Stops the process but keeps the port, so {@link RedisServerHandle.start} can bring it back. */
  pause(): Promise<void>;
  /** Starts the process again on the same port after {@link RedisServerHandle.pause}. */
  start(): Promise<void>;
  /** Kills the process with SIGKILL (a crash: nothing flushed) and resolves once it is gone. */
  kill(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  port?: number;
  /** Extra `redis-server` arguments, e.g. `["--cluster-enabled", "yes"]`. */
  args?: string[];
  dir?: string;
}

const REDIS_SERVER_BIN = process.env["REDIS_SERVER_BIN"] ?? "redis-server";

/** Waits until the server on `port` is a master, or a replica whose link to its master is up (in sync). */
export async function waitForReplicaSync(port: number, timeoutMs = 20_000): Promise<void> {
  const client = new Redis({ port, host: "127.0.0.1" });
  try {
    for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 100))) {
      const info = await client.info("replication");
      if (info.includes("role:master") || info.includes("master_link_status:up")) return;
      if (Date.now() - started > timeoutMs) throw new Error(`the replica on port ${port} did not sync with its master`);
    }
  } finally {
    client.disconnect();
  }
}

/** Resolves once a Redis at `port` answers PING, or rejects after `timeoutMs`. */
export async function waitForRedis(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Starts a throwaway `redis-server` that keeps nothing on disk, on a free port. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "wf-redis-")));
  let child: ChildProcess | undefined;
  // A server outlives a process that dies without stopping it (a failed bench or test run):
  // it is killed when that process exits.
  const killOnExit = (): void => {
    child?.kill("SIGKILL");
  };

  const start = async (): Promise<void> => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
    child = spawn(REDIS_SERVER_BIN, [...args, ...(options.args ?? [])], { stdio: "ignore" });
    process.once("exit", killOnExit);
    const failed = new Promise<never>((_, reject) => {
      child?.once("error", (error) => reject(new Error(`cannot start ${REDIS_SERVER_BIN}: ${error.message}`)));
    });
    await Promise.race([waitForRedis(port), failed]);
  };
  const pause = async (): Promise<void> => {
    process.off("exit", killOnExit);
    if (child) await stopProcess(child);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    pause,
    async kill() {
      process.off("exit", killOnExit);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      await pause();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
