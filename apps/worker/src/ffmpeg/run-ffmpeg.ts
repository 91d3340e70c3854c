import { FfmpegError, ToolError } from "../errors.js";
import { spawnTied } from "./spawn-tied.js";

const STDERR_LIMIT = 64 * 1024;

/** ffmpeg's reason for failing: the last meaningful lines it printed. */
function reasonOf(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("Press [q]"));
  return lines.slice(-3).join("; ") || "no output";
}

/**
 * Runs ffmpeg (or ffprobe) with `args` and resolves with its stdout. Rejects with
 * {@link FfmpegError} carrying ffmpeg's own reason on a non-zero exit. The process is killed
 * (SIGKILL) when `signal` aborts, so a cancelled node leaves no orphan process, and dies with the
 * worker if the worker is killed (see `spawnTied`).
 */
export function runFfmpeg(bin: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return runProcess(bin, ["-hide_banner", ...args], signal, (message, details) => new FfmpegError(message, details));
}

/**
 * Runs any engine binary (pocketsphinx, espeak-ng, tesseract) as {@link runFfmpeg} runs ffmpeg:
 * tied to the worker, killed when `signal` aborts; rejects with a {@link ToolError} carrying the
 * tool's last lines on a non-zero exit.
 */
export function runTool(bin: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return runProcess(bin, args, signal, (message, details) => new ToolError(message, details));
}

function runProcess(
  bin: string,
  args: readonly string[],
  signal: AbortSignal | undefined,
  failure: (message: string, details: { exitCode: number | null; signal: string | null }) => Error,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawnTied(bin, args);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_LIMIT);
    });
    const onAbort = (): void => {
      child.kill("SIGKILL");
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (error) => {
      signal?.removeEventListener("abort", onAbort);
      reject(failure(`cannot run ${bin}: ${error.message}`, { exitCode: null, signal: null }));
    });
    child.once("close", (exitCode, killedBy) => {
      signal?.removeEventListener("abort", onAbort);
      if (signal?.aborted) reject(signal.reason);
      else if (exitCode === 0) resolve(stdout);
      else reject(failure(`${bin} failed: ${reasonOf(stderr)}`, { exitCode, signal: killedBy }));
    });
  });
}
