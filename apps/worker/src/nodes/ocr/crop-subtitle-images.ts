import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { probeDuration } from "../../ffmpeg/probe.js";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { safeInput } from "../../ffmpeg/safe-input.js";
import { defineNode } from "../define-node.js";

/** The name of the crop of frame `index` (0-based) taken at `fps`: its time is `index / fps`. */
export function cropName(index: number): string {
  return `frame_${String(index).padStart(6, "0")}.png`;
}

/**
 * `ffmpeg.crop_subtitle_images`: the original's node (`video_path`, `subtitle_area` from the
 * subtitle-area detection, answering `cropped_images_path`): the subtitle band of the video,
 * sampled `fps` times a second, as PNGs `frame_000000.png`, … (frame `i` shows time `i / fps`),
 * decoded and cropped by one ffmpeg run. The original decodes every frame; `fps` (default 5)
 * bounds the work while keeping cue times to 0.2 s.
 */
export const cropSubtitleImagesNode = defineNode({
  name: "ffmpeg.crop_subtitle_images",
  input: z.strictObject({
    video_path: z.string().min(1).describe("The video"),
    subtitle_area: z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(1), z.number().int().min(1)]).describe("[x1, y1, x2, y2] in pixels; default: tesseract.detect_subtitle_area's"),
    fps: z.number().gt(0).max(30).default(5).describe("Crops per second of video (default 5)"),
    decode_processes: z.number().int().min(1).max(64).optional().describe("Accepted for the original's clients; one ffmpeg process decodes and crops"),
  }),
  fallbacks: { subtitle_area: ["tesseract.detect_subtitle_area"] },
  async run(input, ctx) {
    const [x1, y1, x2, y2] = input.subtitle_area;
    if (x2 <= x1 || y2 <= y1) throw new Error(`subtitle_area [${input.subtitle_area.join(", ")}] is empty: x2 must exceed x1 and y2 y1`);
    const source = await ctx.resolveInput(input.video_path);
    const duration = await probeDuration(ctx.tools.ffprobe, source, ctx.signal);
    const dir = join(ctx.outputDir, "cropped_images", "frames");
    await mkdir(dir, { recursive: true });
    // Crop to the area clipped to the frame (min with the input size), at a fixed rate.
    const crop = `crop='min(${x2 - x1},iw-${x1})':'min(${y2 - y1},ih-${y1})':${x1}:${y1}`;
    await runFfmpeg(ctx.tools.ffmpeg, ["-nostdin", "-y", ...safeInput(source), "-vf", `fps=${input.fps},${crop}`, "-start_number", "0", join(dir, "frame_%06d.png")], ctx.signal);
    const frames = (await readdir(dir)).filter((name) => name.endsWith(".png")).length;
    if (frames === 0) throw new Error("ffmpeg wrote no cropped frame");
    return { cropped_images_path: dir, frames_count: frames, fps: input.fps, video_duration: Math.round(duration * 1000) / 1000, subtitle_area: input.subtitle_area };
  },
});
