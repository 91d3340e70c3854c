import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { probeDuration } from "../../ffmpeg/probe.js";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { safeInput } from "../../ffmpeg/safe-input.js";
import { FfmpegError } from "../../errors.js";
import { defineNode, type NodeContext } from "../define-node.js";

/**
 * Writes the frame at `timestamp` to `path`. A timestamp past the last video frame (the container
 * may outlast the video stream) yields nothing from a seek: then the last frame is taken instead.
 */
async function extractFrame(ctx: NodeContext, source: string, timestamp: number, path: string): Promise<void> {
  await runFfmpeg(ctx.tools.ffmpeg, ["-nostdin", "-y", "-ss", String(timestamp), ...safeInput(source), "-frames:v", "1", "-q:v", "3", path], ctx.signal);
  if (await exists(path)) return;
  await runFfmpeg(ctx.tools.ffmpeg, ["-nostdin", "-y", "-sseof", "-3", ...safeInput(source), "-update", "1", "-q:v", "3", path], ctx.signal);
  if (!(await exists(path))) throw new FfmpegError(`${ctx.tools.ffmpeg} wrote no frame at ${timestamp}s`, { exitCode: 0, signal: null });
}

const exists = (path: string): Promise<boolean> => stat(path).then(
  () => true,
  () => false,
);

/**
 * `ffmpeg.extract_keyframes`: `keyframe_sample_count` JPEG frames (default 100, as the original)
 * evenly spaced over the video (at the middle of each of that many equal slices), written to
 * `<task folder>/nodes/ffmpeg.extract_keyframes/keyframes/frame_000.jpg`, …; answers
 * `keyframe_dir` as the original does, plus the frame paths and timestamps.
 */
export const extractKeyframesNode = defineNode({
  name: "ffmpeg.extract_keyframes",
  // Strict: an option the node does not know is a 400, never accepted and ignored. wf uploads
  // every frame as its own object (when the worker has a store), so the original's archive and
  // delete-after-upload options are refused (false, their default, is accepted).
  input: z.strictObject({
    video_path: z.string().min(1).describe("Absolute path of the video under an allowed input root, or an http(s) URL"),
    keyframe_sample_count: z.number().int().min(1).max(1000).optional().describe("Number of frames (default 100)"),
    count: z.number().int().min(1).max(1000).optional().describe("Deprecated alias of keyframe_sample_count"),
    upload_keyframes_to_minio: z.boolean().optional().describe("false: keep the frames off the object store; absent or true: uploaded when the worker has one"),
    delete_local_keyframes_after_upload: z.literal(false).optional().describe("Not supported: only false is accepted"),
    compress_keyframes_before_upload: z.literal(false).optional().describe("Not supported (each frame is uploaded as its own object): only false is accepted"),
  }),
  uploads: { skip: (input) => (input.upload_keyframes_to_minio === false ? ["keyframe_dir", "frames"] : []) },
  async run(input, ctx) {
    const count = input.keyframe_sample_count ?? input.count ?? 100;
    const source = await ctx.resolveInput(input.video_path);
    const duration = await probeDuration(ctx.tools.ffprobe, source, ctx.signal);
    const keyframeDir = join(ctx.outputDir, "keyframes");
    await mkdir(keyframeDir, { recursive: true });
    const frames: string[] = [];
    const timestamps: number[] = [];
    for (let i = 0; i < count; i++) {
      const timestamp = Math.round(((duration * (i + 0.5)) / count) * 1000) / 1000;
      const path = join(keyframeDir, `frame_${String(i).padStart(3, "0")}.jpg`);
      await extractFrame(ctx, source, timestamp, path);
      frames.push(path);
      timestamps.push(timestamp);
      await ctx.progress(((i + 1) / count) * 100);
    }
    return { keyframe_dir: keyframeDir, frames, timestamps, count: frames.length };
  },
});
