import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { InputError } from "../../errors.js";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { safeInput } from "../../ffmpeg/safe-input.js";
import { parseSubtitles, type SubtitleEntry } from "../../subtitles/parse-subtitles.js";
import { defineNode, type NodeContext } from "../define-node.js";

/** Largest subtitle file read. */
const MAX_SUBTITLE_BYTES = 10 * 1024 * 1024;

const WAV = ["-vn", "-c:a", "pcm_s16le"];

async function splitFixed(source: string, dir: string, seconds: number, ctx: NodeContext): Promise<string[]> {
  const args = ["-nostdin", "-y", ...safeInput(source), ...WAV, "-f", "segment", "-segment_time", String(seconds), "-reset_timestamps", "1"];
  await runFfmpeg(ctx.tools.ffmpeg, [...args, join(dir, "segment_%03d.wav")], ctx.signal);
  return (await readdir(dir))
    .filter((name) => /^segment_\d{3,}\.wav$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

async function splitBySubtitles(source: string, dir: string, entries: readonly SubtitleEntry[], ctx: NodeContext): Promise<string[]> {
  const segments: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const path = join(dir, `segment_${String(index).padStart(3, "0")}.wav`);
    const args = ["-nostdin", "-y", "-ss", entry.start.toFixed(3), "-t", (entry.end - entry.start).toFixed(3), ...safeInput(source), ...WAV, path];
    await runFfmpeg(ctx.tools.ffmpeg, args, ctx.signal);
    segments.push(path);
    await ctx.progress(((index + 1) / entries.length) * 100);
  }
  return segments;
}

async function readSubtitles(reference: string, ctx: NodeContext): Promise<SubtitleEntry[]> {
  const path = await ctx.resolveInput(reference);
  if ((await stat(path)).size > MAX_SUBTITLE_BYTES) {
    throw new InputError("INVALID_SUBTITLES", `subtitle file is larger than ${MAX_SUBTITLE_BYTES} bytes`);
  }
  return parseSubtitles(await readFile(path, "utf8"));
}

/**
 * `ffmpeg.split_audio_segments`: cuts an audio file into WAV segments under
 * `<task folder>/nodes/ffmpeg.split_audio_segments/audio_segments/` (`audio_segments_dir`): one
 * per subtitle entry when `subtitle_path` (SRT, or JSON `[{start, end, text}]` in seconds) is
 * given, as the original does, else consecutive `segment_seconds` pieces. Without `audio_path`
 * it takes `ffmpeg.extract_audio`'s output of the same task.
 */
export const splitAudioSegmentsNode = defineNode({
  name: "ffmpeg.split_audio_segments",
  input: z.object({
    audio_path: z.string().min(1).describe("Audio (or video) file under an allowed input root, or an http(s) URL; default: ffmpeg.extract_audio's audio_path"),
    subtitle_path: z.string().min(1).optional().describe("SRT or JSON subtitles: one segment per entry"),
    segment_seconds: z.number().min(1).max(3600).default(30).describe("Length of each segment without subtitles, in seconds"),
  }),
  fallbacks: { audio_path: ["ffmpeg.extract_audio"] },
  async run(input, ctx) {
    const source = await ctx.resolveInput(input.audio_path);
    const entries = input.subtitle_path ? await readSubtitles(input.subtitle_path, ctx) : undefined;
    const dir = join(ctx.outputDir, "audio_segments");
    await mkdir(dir, { recursive: true });
    if (entries) {
      const segments = await splitBySubtitles(source, dir, entries, ctx);
      return {
        audio_segments_dir: dir,
        segments,
        segment_count: segments.length,
        split_mode: "subtitles",
        segments_info: entries.map((entry, index) => ({ path: segments[index], start: entry.start, end: entry.end, text: entry.text })),
      };
    }
    const segments = await splitFixed(source, dir, input.segment_seconds, ctx);
    return { audio_segments_dir: dir, segments, segment_count: segments.length, split_mode: "fixed", segment_seconds: input.segment_seconds };
  },
});
