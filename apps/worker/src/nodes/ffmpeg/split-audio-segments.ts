import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { InputError } from "../../errors.js";
import { probeDuration } from "../../ffmpeg/probe.js";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { safeInput } from "../../ffmpeg/safe-input.js";
import { parseSubtitles, type SubtitleEntry } from "../../subtitles/parse-subtitles.js";
import { defineNode, type NodeContext } from "../define-node.js";

/** Largest subtitle file read. */
const MAX_SUBTITLE_BYTES = 10 * 1024 * 1024;

/** The encoder and file extension of each `output_format`. */
const FORMATS = { wav: { codec: "pcm_s16le", ext: "wav" }, flac: { codec: "flac", ext: "flac" }, mp3: { codec: "libmp3lame", ext: "mp3" } } as const;

/** How the segments are encoded. */
interface Encoding {
  format: keyof typeof FORMATS;
  sampleRate: number;
  channels: number;
}

const encodeArgs = (encoding: Encoding): string[] => ["-vn", "-ar", String(encoding.sampleRate), "-ac", String(encoding.channels), "-c:a", FORMATS[encoding.format].codec];

/** One cut of the audio: where it goes and what it covers. */
interface Cut {
  index: number;
  path: string;
  start: number;
  end: number;
  text?: string;
  speaker?: string;
}

async function splitFixed(source: string, dir: string, seconds: number, encoding: Encoding, ctx: NodeContext, signal: AbortSignal): Promise<string[]> {
  const ext = FORMATS[encoding.format].ext;
  const args = ["-nostdin", "-y", ...safeInput(source), ...encodeArgs(encoding), "-f", "segment", "-segment_time", String(seconds), "-reset_timestamps", "1"];
  await runFfmpeg(ctx.tools.ffmpeg, [...args, join(dir, `segment_%03d.${ext}`)], signal);
  return (await readdir(dir))
    .filter((name) => new RegExp(`^segment_\\d{3,}\\.${ext}$`).test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Cuts every entry, `workers` ffmpeg processes at a time; resolves with the cuts that failed. */
async function cutEntries(source: string, cuts: readonly Cut[], encoding: Encoding, workers: number, ctx: NodeContext, signal: AbortSignal): Promise<Set<number>> {
  const failed = new Set<number>();
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    for (let cut = cuts[next++]; cut; cut = cuts[next++]) {
      const args = ["-nostdin", "-y", "-ss", cut.start.toFixed(3), "-t", (cut.end - cut.start).toFixed(3), ...safeInput(source), ...encodeArgs(encoding), cut.path];
      try {
        await runFfmpeg(ctx.tools.ffmpeg, args, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        ctx.logger.warn({ err: error, segment: cut.index }, "could not cut a segment; going on with the others");
        failed.add(cut.index);
      }
      done += 1;
      await ctx.progress((done / cuts.length) * 100);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, cuts.length) }, lane));
  return failed;
}

async function readSubtitles(reference: string, ctx: NodeContext): Promise<{ path: string; entries: SubtitleEntry[] }> {
  const path = await ctx.resolveInput(reference);
  if ((await stat(path)).size > MAX_SUBTITLE_BYTES) {
    throw new InputError("INVALID_SUBTITLES", `subtitle file is larger than ${MAX_SUBTITLE_BYTES} bytes`);
  }
  return { path, entries: parseSubtitles(await readFile(path, "utf8")) };
}

/** `{speaker: {count, duration}}` of the cuts that were written, or undefined when no entry names a speaker. */
function speakerSummary(cuts: readonly Cut[]): Record<string, { count: number; duration: number }> | undefined {
  if (!cuts.some((cut) => cut.speaker)) return undefined;
  const summary: Record<string, { count: number; duration: number }> = {};
  for (const cut of cuts) {
    const entry = (summary[cut.speaker ?? "unknown"] ??= { count: 0, duration: 0 });
    entry.count += 1;
    entry.duration = Math.round((entry.duration + cut.end - cut.start) * 1000) / 1000;
  }
  return summary;
}

const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/**
 * `ffmpeg.split_audio_segments`: cuts an audio file into segments under
 * `<task folder>/nodes/ffmpeg.split_audio_segments/audio_segments/` (`audio_segments_dir`): one
 * per subtitle entry when `subtitle_path` (SRT, or JSON `[{start, end, text, speaker?}]` in
 * seconds) is given, as the original does, else consecutive `segment_seconds` pieces. Without
 * `audio_path` it takes `ffmpeg.extract_audio`'s output of the same task. Answers the original's
 * fields (`audio_source`, `subtitle_source`, `total_segments`, `successful_segments`,
 * `failed_segments`, `total_duration`, `processing_time`, `audio_format`, `sample_rate`,
 * `channels`, `split_info_file`, `segments_count`, `speaker_summary`) and wf's (`segments`,
 * `segment_count`, `split_mode`, `segments_info`). Every option is honoured or refused: an unknown
 * field is a 400.
 */
export const splitAudioSegmentsNode = defineNode({
  name: "ffmpeg.split_audio_segments",
  input: z.strictObject({
    audio_path: z.string().min(1).describe("Audio (or video) file under an allowed input root, or an http(s) URL; default: ffmpeg.extract_audio's audio_path"),
    subtitle_path: z.string().min(1).optional().describe("SRT or JSON subtitles: one segment per entry"),
    segment_seconds: z.number().min(1).max(3600).default(30).describe("Length of each segment without subtitles, in seconds"),
    output_format: z.enum(["wav", "flac", "mp3"]).default("wav").describe("Segment files: WAV (16-bit PCM), FLAC or MP3"),
    sample_rate: z.number().int().min(8000).max(192_000).default(16_000).describe("Sample rate of the segments, Hz"),
    channels: z.number().int().min(1).max(2).default(1).describe("1 (mono) or 2 (stereo)"),
    min_segment_duration: z.number().min(0).optional().describe("Subtitle entries shorter than this (seconds) are skipped; without subtitles a shorter last piece is dropped. Default: none"),
    max_segment_duration: z.number().positive().optional().describe("Subtitle entries longer than this (seconds) are cut at it; without subtitles it caps segment_seconds. Default: none"),
    group_by_speaker: z.boolean().default(false).describe("Put each speaker's segments in a folder of its own (audio_segments/<speaker>/); entries without a speaker go to unknown/"),
    include_silence: z.literal(false).optional().describe("Not supported: only the subtitle entries are cut (false is accepted)"),
    enable_concurrent: z.boolean().default(true).describe("Cut subtitle entries with several ffmpeg processes at once"),
    max_workers: z.number().int().min(1).max(16).default(4).describe("ffmpeg processes at once when enable_concurrent"),
    concurrent_timeout: z.number().positive().max(86_400).default(600).describe("Longest the splitting may take, seconds; then the node fails"),
  }),
  fallbacks: { audio_path: ["ffmpeg.extract_audio"] },
  async run(input, ctx) {
    const startedAt = Date.now();
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(input.concurrent_timeout * 1000)]);
    const encoding: Encoding = { format: input.output_format, sampleRate: input.sample_rate, channels: input.channels };
    const source = await ctx.resolveInput(input.audio_path);
    const subtitles = input.subtitle_path ? await readSubtitles(input.subtitle_path, ctx) : undefined;
    const dir = join(ctx.outputDir, "audio_segments");
    await mkdir(dir, { recursive: true });
    const common = { audio_segments_dir: dir, audio_source: source, subtitle_source: subtitles?.path ?? null, audio_format: input.output_format, sample_rate: input.sample_rate, channels: input.channels };
    const timedOut = (error: unknown): never => {
      if (signal.aborted && !ctx.signal.aborted) throw new Error(`splitting took longer than concurrent_timeout (${input.concurrent_timeout} s)`);
      throw error;
    };

    if (!subtitles) {
      const seconds = Math.min(input.segment_seconds, input.max_segment_duration ?? Number.POSITIVE_INFINITY);
      const written = await splitFixed(source, dir, seconds, encoding, ctx, signal).catch(timedOut);
      // Only the last piece can be shorter than segment_seconds: dropped when under the minimum.
      const lastSeconds = written.length > 0 ? await probeDuration(ctx.tools.ffprobe, written.at(-1) as string, ctx.signal) : 0;
      const segments = input.min_segment_duration !== undefined && lastSeconds < input.min_segment_duration ? written.slice(0, -1) : written;
      const lengths = written.map((_, index) => (index === written.length - 1 ? lastSeconds : seconds)).slice(0, segments.length);
      const splitInfoFile = join(dir, "split_info.json");
      await writeFile(splitInfoFile, JSON.stringify({ split_mode: "fixed", segment_seconds: seconds, segments: segments.map((path, index) => ({ index, path })) }, null, 2));
      return {
        ...common,
        total_segments: written.length,
        successful_segments: segments.length,
        failed_segments: 0,
        total_duration: round(lengths.reduce((sum, length) => sum + length, 0)),
        processing_time: (Date.now() - startedAt) / 1000,
        split_info_file: splitInfoFile,
        segments_count: segments.length,
        segments,
        segment_count: segments.length,
        split_mode: "fixed",
        segment_seconds: seconds,
      };
    }

    const ext = FORMATS[input.output_format].ext;
    const kept = subtitles.entries.filter((entry) => input.min_segment_duration === undefined || entry.end - entry.start >= input.min_segment_duration);
    const cuts: Cut[] = [];
    for (const [index, entry] of kept.entries()) {
      const folder = input.group_by_speaker ? join(dir, entry.speaker ?? "unknown") : dir;
      const end = input.max_segment_duration === undefined ? entry.end : Math.min(entry.end, entry.start + input.max_segment_duration);
      cuts.push({ index, path: join(folder, `segment_${String(index).padStart(3, "0")}.${ext}`), start: entry.start, end, text: entry.text, ...(entry.speaker ? { speaker: entry.speaker } : {}) });
    }
    if (input.group_by_speaker) await Promise.all([...new Set(cuts.map((cut) => join(cut.path, "..")))].map((folder) => mkdir(folder, { recursive: true })));
    const failed = await cutEntries(source, cuts, encoding, input.enable_concurrent ? input.max_workers : 1, ctx, signal).catch(timedOut);
    const written = cuts.filter((cut) => !failed.has(cut.index));
    if (written.length === 0) throw new Error(`no segment could be cut (${cuts.length} tried)`);
    const info = written.map((cut) => ({ index: cut.index, path: cut.path, start: cut.start, end: cut.end, duration: round(cut.end - cut.start), text: cut.text ?? "", ...(cut.speaker ? { speaker: cut.speaker } : {}) }));
    const splitInfoFile = join(dir, "split_info.json");
    await writeFile(splitInfoFile, JSON.stringify({ split_mode: "subtitles", skipped_short: subtitles.entries.length - kept.length, failed: [...failed], segments: info }, null, 2));
    const summary = speakerSummary(written);
    return {
      ...common,
      total_segments: cuts.length,
      successful_segments: written.length,
      failed_segments: failed.size,
      total_duration: round(written.reduce((sum, cut) => sum + cut.end - cut.start, 0)),
      processing_time: (Date.now() - startedAt) / 1000,
      split_info_file: splitInfoFile,
      segments_count: written.length,
      ...(summary ? { speaker_summary: summary } : {}),
      segments: written.map((cut) => cut.path),
      segment_count: written.length,
      split_mode: "subtitles",
      segments_info: info.map(({ path, start, end, text, speaker }) => ({ path, start, end, text, ...(speaker ? { speaker } : {}) })),
    };
  },
});
