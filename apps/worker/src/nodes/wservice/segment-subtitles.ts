import { writeFile } from "node:fs/promises";
import { readJsonFile } from "../../inputs/read-json-file.js";
import { join } from "node:path";
import { z } from "zod";
import { segmentByLength } from "../../subtitles/segment-by-length.js";
import { defineNode } from "../define-node.js";

const TranscriptFileSchema = z.object({
  segments: z.array(
    z.object({ id: z.number().optional(), start: z.number().min(0), end: z.number().min(0), text: z.string(), words: z.array(z.object({ word: z.string(), start: z.number(), end: z.number() }).loose()).optional() }).loose(),
  ),
});

/**
 * `wservice.segment_subtitles`: splits a transcript's segments into subtitle-sized pieces of at
 * most `max_chars` characters at word boundaries, timed by their words, and writes them as a new
 * `segments_file` (the transcript's shape), which `wservice.generate_subtitle_files` prefers.
 */
export const segmentSubtitlesNode = defineNode({
  name: "wservice.segment_subtitles",
  input: z.strictObject({
    segments_file: z.string().min(1).describe("A transcript JSON with `segments`; default: speech.transcribe_audio's segments_file"),
    max_chars: z.number().int().min(10).max(200).default(42).describe("Longest line, characters (default 42)"),
  }),
  fallbacks: { segments_file: ["speech.transcribe_audio"] },
  async run(input, ctx) {
    const path = await ctx.resolveInput(input.segments_file);
    const transcript = await readJsonFile(path, TranscriptFileSchema, { field: "segments_file", what: "a transcript", shape: '{"segments": [{start, end, text, words?}]}' });
    const segments = segmentByLength(transcript.segments.map((segment, id) => ({ ...segment, id })), input.max_chars);
    const file = join(ctx.outputDir, "segmented_subtitles.json");
    await writeFile(file, JSON.stringify({ metadata: { source: path, max_chars: input.max_chars }, segments }, null, 2));
    return { segments_file: file, segments_count: segments.length, max_chars: input.max_chars };
  },
});
