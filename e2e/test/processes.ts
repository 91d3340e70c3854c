import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { waitFor } from "@wf/testing";

const require = createRequire(import.meta.url);

/** Path of a workspace app's built entry point (its `bin`). */
export function appEntry(pkg: "@wf/gateway" | "@wf/worker"): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), "dist", "main.js");
}

/** A started app process with its captured output, for assertions and for failure messages. */
export interface AppProcess {
  child: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a built app with `node` and the given environment. */
export function startApp(pkg: "@wf/gateway" | "@wf/worker", env: Record<string, string>): AppProcess {
  return startScript(appEntry(pkg), env);
}

/** Starts a Node.js script (an app's entry point, or a test fixture) with the given environment. */
export function startScript(path: string, env: Record<string, string>): AppProcess {
  return startProcess(process.execPath, [path], env);
}

/** Starts a command (e.g. `ip netns exec <ns> node <script>`) with the given environment, capturing its output. */
export function startProcess(command: string, args: string[], env: Record<string, string>): AppProcess {
  const child = spawn(command, args, {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

/** The pipeline tests' worker (e2e/fixtures/pipeline-worker): small `pipe.*` nodes that record their runs in Redis. */
export const PIPELINE_WORKER = join(import.meta.dirname, "..", "fixtures", "pipeline-worker", "worker.mjs");

/** Starts the pipeline tests' worker and resolves once it consumes its queue. */
export async function startPipelineWorker(env: Record<string, string>): Promise<AppProcess> {
  const started = startScript(PIPELINE_WORKER, env);
  await waitFor(async () => started.output().includes("ready") || undefined, 20_000, `the pipeline worker (${started.output()})`);
  return started;
}
