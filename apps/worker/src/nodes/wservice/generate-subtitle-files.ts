import { writeFile } from "node:fs/promises";
import { readJsonFile } from "../../inputs/read-json-file.js";
import { join } from "node:path";
import { z } from "zod";
import { formatSrt, formatVtt, type Cue } from "../../subtitles/format-subtitles.js";
import { defineNode } from "../define-node.js";

const SegmentsFileSchema = z.object({
  segments: z.array(z.object({ start: z.number().min(0), end: z.number().min(0), text: z.string(), speaker: z.string().optional() }).loose()),
});

/**
 * `wservice.generate_subtitle_files`: a transcript's segments (`segments_file`, as
 * `speech.transcribe_audio` writes it) as SubRip, WebVTT and JSON files: `subtitle_path` (SRT),
 * `json_path`, and `subtitle_files` `{srt, vtt, json}`. Empty segments are left out.
 */
export const generateSubtitleFilesNode = defineNode({
  name: "wservice.generate_subtitle_files",
  input: z.strictObject({
    segments_file: z.string().min(1).describe("JSON with a `segments` array [{start, end, text}]; default: wservice.segment_subtitles' or speech.transcribe_audio's segments_file"),
    output_filename: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).default("subtitle").describe("File name without extension (default subtitle)"),
    include_speaker: z.boolean().default(false).describe("Prefix each cue with its segment's speaker, when it has one"),
  }),
  // The length-split transcript when there is one, else the transcript itself.
  fallbacks: { segments_file: ["wservice.segment_subtitles", "speech.transcribe_audio"] },
  async run(input, ctx) {
    const path = await ctx.resolveInput(input.segments_file);
    const transcript = await readJsonFile(path, SegmentsFileSchema, { field: "segments_file", what: "a transcript", shape: '{"segments": [{start, end, text}]}' });
    const cues: Cue[] = transcript.segments
      .filter((segment) => segment.text.trim() !== "" && segment.end > segment.start)
      .sort((a, b) => a.start - b.start)
      .map((segment) => ({ start: segment.start, end: segment.end, text: `${input.include_speaker && segment.speaker ? `[${segment.speaker}] ` : ""}${segment.text.trim()}` }));
    const base = join(ctx.outputDir, input.output_filename);
    const files = { srt: `${base}.srt`, vtt: `${base}.vtt`, json: `${base}.json` };
    await writeFile(files.srt, formatSrt(cues));
    await writeFile(files.vtt, formatVtt(cues));
    await writeFile(files.json, JSON.stringify(cues.map((cue, index) => ({ id: index + 1, ...cue })), null, 2));
    return { subtitle_path: files.srt, json_path: files.json, subtitle_files: files, segments_count: cues.length };
  },
});
