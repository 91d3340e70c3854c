import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { MediaEngines } from "../../engines/find-engines.js";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { readWords, type OcrWord } from "../../ocr/tesseract.js";
import { defineNode, type NodeDefinition } from "../define-node.js";

/** The band of a frame that holds the most confident text lines: the union of their boxes, padded. */
function areaOf(boxes: readonly OcrWord[], padding: number): [number, number, number, number] | null {
  if (boxes.length === 0) return null;
  const x1 = Math.min(...boxes.map((b) => b.left));
  const y1 = Math.min(...boxes.map((b) => b.top));
  const x2 = Math.max(...boxes.map((b) => b.left + b.width));
  const y2 = Math.max(...boxes.map((b) => b.top + b.height));
  return [Math.max(0, x1 - padding), Math.max(0, y1 - padding), x2 + padding, y2 + padding];
}

/**
 * `tesseract.detect_subtitle_area`: the original's `paddleocr.detect_subtitle_area` with
 * tesseract as the engine. Reads every keyframe, keeps confident words in the lower part of the
 * frame (where burned-in subtitles sit), and answers `subtitle_area` `[x1, y1, x2, y2]` (pixels)
 * spanning them, with margin. Fails when no frame shows text there.
 */
export function detectSubtitleAreaNode(engines: MediaEngines): NodeDefinition | undefined {
  const tesseract = engines.tesseract;
  if (!tesseract) return undefined;
  return defineNode({
    name: "tesseract.detect_subtitle_area",
    input: z.strictObject({
      keyframe_dir: z.string().min(1).describe("Folder of keyframes (JPEG/PNG); default: ffmpeg.extract_keyframes' keyframe_dir"),
      min_confidence: z.number().min(0).max(100).default(60).describe("Words read with less confidence are ignored"),
      lower_fraction: z.number().gt(0).max(1).default(0.5).describe("Only text in the lowest fraction of the frame counts (default the lower half)"),
      padding: z.number().int().min(0).max(200).default(12).describe("Margin around the text, pixels"),
    }),
    fallbacks: { keyframe_dir: ["ffmpeg.extract_keyframes"] },
    async run(input, ctx) {
      const names = (await readdir(input.keyframe_dir)).filter((name) => /\.(jpe?g|png)$/i.test(name)).sort();
      if (names.length === 0) throw new Error(`no keyframes (JPEG or PNG) in ${input.keyframe_dir}`);
      const boxes: OcrWord[] = [];
      let framesWithText = 0;
      for (const [index, name] of names.entries()) {
        // Each frame is checked against the input roots and the task's folder like any input.
        const frame = await ctx.resolveInput(join(input.keyframe_dir, name));
        const words = await readWords(tesseract, frame, "auto", ctx.signal);
        const confident = words.filter((word) => word.confidence >= input.min_confidence && word.text.replace(/\W/g, "").length > 0);
        if (confident.length > 0) framesWithText += 1;
        boxes.push(...confident);
        await ctx.progress(((index + 1) / names.length) * 100);
      }
      const height = await frameHeightOf(ctx.tools.ffprobe, await ctx.resolveInput(join(input.keyframe_dir, names[0] as string)), ctx.signal);
      const lower = boxes.filter((box) => box.top >= height * (1 - input.lower_fraction));
      const area = areaOf(lower, input.padding);
      if (!area) throw new Error(`no subtitle text found in the lower ${Math.round(input.lower_fraction * 100)} % of ${names.length} keyframes`);
      area[3] = Math.min(area[3], height);
      return { subtitle_area: area, frames_with_text: framesWithText, keyframes_read: names.length, frame_height: height };
    },
  });
}

/** Height in pixels of an image, from ffprobe. */
async function frameHeightOf(ffprobe: string, image: string, signal: AbortSignal): Promise<number> {
  const out = await runFfmpeg(ffprobe, ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=height", "-of", "csv=p=0", image], signal);
  return Number.parseInt(out.trim(), 10);
}
