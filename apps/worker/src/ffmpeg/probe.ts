import { FfmpegError } from "../errors.js";
import { runFfmpeg } from "./run-ffmpeg.js";
import { safeInput } from "./safe-input.js";

/** Duration in seconds of a media file, from ffprobe's container header. */
export async function probeDuration(ffprobe: string, path: string, signal?: AbortSignal): Promise<number> {
  const stdout = await runFfmpeg(ffprobe, ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", ...safeInput(path)], signal);
  const duration = Number.parseFloat(stdout.trim());
  if (!Number.isFinite(duration) || duration <= 0) {
    throw new FfmpegError(`${ffprobe} found no duration in ${path}`, { exitCode: 0, signal: null });
  }
  return duration;
}
