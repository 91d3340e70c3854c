import { WfError } from "@wf/context";

/** An input reference a node may not read or cannot find. Codes `INPUT_NOT_ALLOWED`, `INPUT_NOT_FOUND` (objects), `INPUT_UNAVAILABLE` (a local file missing or outside the roots: one answer for both). */
export class InputError extends WfError {}

/** ffmpeg or ffprobe exited with an error; the message carries ffmpeg's own reason. Code `FFMPEG_FAILED`. */
export class FfmpegError extends WfError {
  constructor(message: string, details: { exitCode: number | null; signal: string | null }) {
    super("FFMPEG_FAILED", message, { details });
  }
}

/** An engine binary other than ffmpeg (pocketsphinx, espeak-ng, …) exited with an error; the message carries its own reason. Code `TOOL_FAILED`. */
export class ToolError extends WfError {
  constructor(message: string, details: { exitCode: number | null; signal: string | null }) {
    super("TOOL_FAILED", message, { details });
  }
}

/**
 * This worker's run of a node is over because the node is no longer its to run: the job's lock
 * lapsed (the worker was cut off from Redis or frozen longer than the lock lasts) or another
 * worker took the node over and the store refused this run's write. Code `RUN_LOST`. The run
 * stops (its processes are killed) and writes nothing more.
 */
export class RunLostError extends WfError {
  constructor(message: string) {
    super("RUN_LOST", message);
  }
}
