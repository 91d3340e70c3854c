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
