import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";

/** An S3-protocol server (s3rver, objects kept in a folder) owned by a test run. */
export interface S3ServerHandle {
  port: number;
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The buckets it was started with; the first is the default. */
  buckets: readonly string[];
  /** s3rver's fixed credentials. */
  accessKeyId: string;
  secretAccessKey: string;
  /** The folder the objects live in. */
  directory: string;
  /** Environment that points a wf app at this server with the original's `MINIO_*` settings. */
  minioEnv(): Record<string, string>;
  /** SIGKILLs the process, keeping its folder and port (in-flight transfers break). */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder after {@link S3ServerHandle.kill}; a no-op while it runs. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("../bin/s3-server.mjs", import.meta.url));

/** Starts an S3 server on a free port (in its own process) with the given buckets (default `yivideo`). */
export async function startS3Server(options: { buckets?: readonly string[]; port?: number } = {}): Promise<S3ServerHandle> {
  const buckets = options.buckets ?? ["yivideo"];
  const port = options.port ?? (await freePort());
  const directory = await mkdtemp(join(tmpdir(), "wf-s3-"));
  let child: ChildProcess | undefined;

  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
  // Starting a server that runs is a no-op (the handle keeps the one process it owns).
  const launch = (): Promise<void> =>
    running()
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const proc = spawn(process.execPath, [SCRIPT, String(port), directory, buckets.join(",")], { stdio: ["ignore", "pipe", "pipe"] });
          let stderr = "";
          proc.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
          proc.stdout?.on("data", (chunk: Buffer) => {
            if (!chunk.toString().includes("ready")) return;
            child = proc;
            resolve();
          });
          proc.once("exit", (code) => reject(new Error(`s3 server exited (${code}) before it was ready: ${stderr}`)));
        });
  const killChild = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
  };

  await launch();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    port,
    endpoint,
    buckets,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    directory,
    minioEnv: () => ({
      MINIO_HOST: "127.0.0.1",
      MINIO_PORT: String(port),
      MINIO_ACCESS_KEY: "S3RVER",
      MINIO_SECRET_KEY: "S3RVER",
      MINIO_DEFAULT_BUCKET: buckets[0] ?? "yivideo",
      MINIO_SECURE: "false",
    }),
    kill: killChild,
    start: launch,
    async stop() {
      await killChild();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
