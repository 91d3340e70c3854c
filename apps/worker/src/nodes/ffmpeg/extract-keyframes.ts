import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { probeDuration } from "../../ffmpeg/probe.js";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { defineNode } from "../define-node.js";

/**
 * `ffmpeg.extract_keyframes`: `count` JPEG frames evenly spaced over the video (at the middle of
 * each of `count` equal slices), written to `<task folder>/extract_keyframes/frame_000.jpg`, ….
 */
export const extractKeyframesNode = defineNode({
  name: "ffmpeg.extract_keyframes",
  input: z.object({
    video_path: z.string().min(1).describe("Absolute path of the video, under an allowed input root"),
    count: z.number().int().min(1).max(100).default(5).describe("Number of frames"),
  }),
  async run(input, ctx) {
    const source = await ctx.resolveInput(input.video_path);
    const duration = await probeDuration(ctx.tools.ffprobe, source, ctx.signal);
    const outputDir = join(ctx.storageDir, "extract_keyframes");
    await mkdir(outputDir, { recursive: true });
    const frames: { path: string; timestamp: number }[] = [];
    for (let i = 0; i < input.count; i++) {
      const timestamp = Math.round(((duration * (i + 0.5)) / input.count) * 1000) / 1000;
      const path = join(outputDir, `frame_${String(i).padStart(3, "0")}.jpg`);
      await runFfmpeg(
        ctx.tools.ffmpeg,
        ["-nostdin", "-y", "-ss", String(timestamp), "-i", source, "-frames:v", "1", "-q:v", "3", path],
        ctx.signal,
      );
      frames.push({ path, timestamp });
      await ctx.progress(((i + 1) / input.count) * 100);
    }
    return { frames: frames.map((frame) => frame.path), timestamps: frames.map((frame) => frame.timestamp), count: frames.length };
  },
});
