import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { defineNode } from "../define-node.js";

/**
 * `ffmpeg.split_audio_segments`: cuts an audio file into consecutive fixed-length WAV segments
 * (the last one shorter), written to `<task folder>/split_audio_segments/segment_000.wav`, ….
 */
export const splitAudioSegmentsNode = defineNode({
  name: "ffmpeg.split_audio_segments",
  input: z.object({
    audio_path: z.string().min(1).describe("Absolute path of the audio (or video) file, under an allowed input root"),
    segment_seconds: z.number().min(1).max(3600).default(30).describe("Length of each segment in seconds"),
  }),
  async run(input, ctx) {
    const source = await ctx.resolveInput(input.audio_path);
    const outputDir = join(ctx.storageDir, "split_audio_segments");
    await mkdir(outputDir, { recursive: true });
    await runFfmpeg(
      ctx.tools.ffmpeg,
      [
        "-nostdin", "-y", "-i", source, "-vn", "-c:a", "pcm_s16le",
        "-f", "segment", "-segment_time", String(input.segment_seconds), "-reset_timestamps", "1",
        join(outputDir, "segment_%03d.wav"),
      ],
      ctx.signal,
    );
    const segments = (await readdir(outputDir))
      .filter((name) => /^segment_\d{3,}\.wav$/.test(name))
      .sort()
      .map((name) => join(outputDir, name));
    return { segments, segment_count: segments.length, segment_seconds: input.segment_seconds };
  },
});
