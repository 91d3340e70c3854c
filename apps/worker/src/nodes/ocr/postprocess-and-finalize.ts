import { writeFile } from "node:fs/promises";
import { readJsonFile } from "../../inputs/read-json-file.js";
import { join } from "node:path";
import { z } from "zod";
import { mergeCues } from "../../ocr/merge-cues.js";
import { formatSrt } from "../../subtitles/format-subtitles.js";
import { defineNode } from "../define-node.js";

const OcrResultsSchema = z.object({
  fps: z.number().gt(0),
  frames: z.array(z.object({ index: z.number().int().min(0), time: z.number().min(0), text: z.string() }).loose()),
});

/**
 * `tesseract.postprocess_and_finalize`: the original's `paddleocr.postprocess_and_finalize`: merges
 * the per-frame OCR readings (`ocr_results_file`) into timed cues (repeated frames of one line
 * become one cue) and writes `srt_file` and `json_file` (`[{id, start, end, text}]`).
 */
export const postprocessAndFinalizeNode = defineNode({
  name: "tesseract.postprocess_and_finalize",
  input: z.strictObject({
    ocr_results_file: z.string().min(1).describe("JSON {fps, frames: [{index, time, text}]}; default: tesseract.perform_ocr's"),
    similarity_threshold: z.number().gt(0).max(1).default(0.8).describe("How alike two readings must be to be one line (0-1, default 0.8)"),
    max_gap_frames: z.number().int().min(0).max(30).default(1).describe("Unreadable frames bridged inside one cue"),
    min_duration: z.number().min(0).max(10).default(0.3).describe("Shorter cues (seconds) are dropped as misreadings"),
    output_filename: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).default("ocr_subtitles").describe("File name without extension"),
  }),
  fallbacks: { ocr_results_file: ["tesseract.perform_ocr"] },
  async run(input, ctx) {
    const path = await ctx.resolveInput(input.ocr_results_file);
    const results = await readJsonFile(path, OcrResultsSchema, { field: "ocr_results_file", what: "OCR results", shape: "{fps, frames: [{index, time, text}]}" });
    const cues = mergeCues(results.frames, { fps: results.fps, threshold: input.similarity_threshold, maxGapFrames: input.max_gap_frames, minDuration: input.min_duration });
    const srtFile = join(ctx.outputDir, `${input.output_filename}.srt`);
    const jsonFile = join(ctx.outputDir, `${input.output_filename}.json`);
    await writeFile(srtFile, formatSrt(cues));
    await writeFile(jsonFile, JSON.stringify(cues.map((cue, index) => ({ id: index + 1, ...cue })), null, 2));
    return { srt_file: srtFile, json_file: jsonFile, subtitles_count: cues.length };
  },
});
