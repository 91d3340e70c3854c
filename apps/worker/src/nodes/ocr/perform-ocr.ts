import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { MediaEngines } from "../../engines/find-engines.js";
import { readWords } from "../../ocr/tesseract.js";
import { defineNode, type NodeDefinition } from "../define-node.js";

/**
 * `tesseract.perform_ocr`: the original's `paddleocr.perform_ocr` with tesseract as the engine:
 * reads every cropped subtitle image (`cropped_images_path`, as `ffmpeg.crop_subtitle_images`
 * writes it) as one line of text, and writes `ocr_results_file`: `{fps, frames: [{index, time,
 * text, confidence}]}` (time in seconds, from the frame's index and the crops' `fps`).
 */
export function performOcrNode(engines: MediaEngines): NodeDefinition | undefined {
  const tesseract = engines.tesseract;
  if (!tesseract) return undefined;
  return defineNode({
    name: "tesseract.perform_ocr",
    input: z.strictObject({
      cropped_images_path: z.string().min(1).describe("Folder of frame_NNNNNN.png crops; default: ffmpeg.crop_subtitle_images'"),
      fps: z.number().gt(0).max(30).describe("Crops per second the folder was written at; default: ffmpeg.crop_subtitle_images'"),
      min_confidence: z.number().min(0).max(100).default(50).describe("Words read with less confidence are dropped"),
    }),
    fallbacks: { cropped_images_path: ["ffmpeg.crop_subtitle_images"], fps: ["ffmpeg.crop_subtitle_images"] },
    async run(input, ctx) {
      const names = (await readdir(input.cropped_images_path)).filter((name) => /^frame_\d+\.png$/.test(name)).sort();
      if (names.length === 0) throw new Error(`no frame_NNNNNN.png crops in ${input.cropped_images_path}`);
      const frames = [];
      for (const [position, name] of names.entries()) {
        const index = Number(/\d+/.exec(name)?.[0]);
        const image = await ctx.resolveInput(join(input.cropped_images_path, name));
        const words = (await readWords(tesseract, image, "line", ctx.signal)).filter((word) => word.confidence >= input.min_confidence);
        const confidence = words.length === 0 ? 0 : words.reduce((sum, word) => sum + word.confidence, 0) / words.length;
        frames.push({ index, time: Math.round((index / input.fps) * 1000) / 1000, text: words.map((word) => word.text).join(" "), confidence: Math.round(confidence * 10) / 10 });
        if (position % 10 === 9) await ctx.progress(((position + 1) / names.length) * 100);
      }
      const file = join(ctx.outputDir, "ocr_results.json");
      await writeFile(file, JSON.stringify({ engine: "tesseract", lang: tesseract.lang, fps: input.fps, frames }, null, 2));
      return { ocr_results_file: file, frames_count: frames.length, frames_with_text: frames.filter((frame) => frame.text).length, engine: "tesseract" };
    },
  });
}
