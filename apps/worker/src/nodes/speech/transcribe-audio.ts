import { writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { probeDuration } from "../../ffmpeg/probe.js";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { safeInput } from "../../ffmpeg/safe-input.js";
import type { MediaEngines } from "../../engines/find-engines.js";
import { transcribeWithOpenAi, transcribeWithPocketsphinx } from "../../speech/speech-engines.js";
import type { Transcript } from "../../speech/transcript.js";
import { defineNode, type NodeDefinition } from "../define-node.js";

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** The original's statistics of a transcript. */
function statisticsOf(transcript: Transcript, transcribeSeconds: number) {
  const total = transcript.segments.length;
  const spoken = transcript.segments.reduce((sum, segment) => sum + segment.end - segment.start, 0);
  return {
    total_segments: total,
    total_words: transcript.segments.reduce((sum, segment) => sum + (segment.words?.length ?? 0), 0),
    transcribe_duration: round(transcribeSeconds),
    average_segment_duration: total === 0 ? 0 : round(spoken / total),
  };
}

/**
 * `speech.transcribe_audio`: speech recognition with the output contract of the original's
 * `faster_whisper.transcribe_audio` (`segments_file` with `{metadata, segments: [{id, start, end,
 * text, words}], statistics}`, `language`, `audio_duration`, `segments_count`, `statistics`), from
 * one of two engines: local pocketsphinx (CPU, English) or an OpenAI-compatible endpoint. The
 * output's `engine` and `model_name` say which produced it. `undefined` when neither is present.
 */
export function transcribeAudioNode(engines: MediaEngines): NodeDefinition | undefined {
  const available = [...(engines.openai ? (["openai"] as const) : []), ...(engines.pocketsphinx ? (["pocketsphinx"] as const) : [])];
  const [preferred] = available;
  if (!preferred) return undefined;
  return defineNode({
    name: "speech.transcribe_audio",
    input: z.strictObject({
      audio_path: z.string().min(1).describe("The audio (any format ffmpeg reads); default: ffmpeg.extract_audio's audio_path"),
      engine: z.enum(available as unknown as [string, ...string[]]).optional().describe(`Which engine (default ${preferred}): ${available.join(", ")}`),
      language: z.string().regex(/^[a-z]{2,3}$/).optional().describe("ISO 639-1 code for the endpoint (pocketsphinx recognises English only)"),
    }),
    fallbacks: { audio_path: ["ffmpeg.extract_audio"] },
    async run(input, ctx) {
      const engine = input.engine ?? preferred;
      if (engine === "pocketsphinx" && input.language && input.language !== "en") throw new Error(`pocketsphinx here recognises English only, not ${input.language}`);
      const source = await ctx.resolveInput(input.audio_path);
      const dataDir = join(ctx.outputDir, "data");
      await mkdir(dataDir, { recursive: true });
      // Both engines get 16 kHz mono WAV: what pocketsphinx needs, and the smallest upload.
      const wav = join(dataDir, "audio_16k.wav");
      await runFfmpeg(ctx.tools.ffmpeg, ["-nostdin", "-y", ...safeInput(source), "-vn", "-acodec", "pcm_s16le", "-ar", "16000", "-ac", "1", wav], ctx.signal);
      const duration = await probeDuration(ctx.tools.ffprobe, wav, ctx.signal);
      await ctx.progress(10);
      const startedAt = Date.now();
      const transcript =
        engine === "openai" && engines.openai
          ? await transcribeWithOpenAi(engines.openai, wav, input.language, duration, ctx.signal)
          : await transcribeWithPocketsphinx(engines.pocketsphinx!, wav, duration, ctx.signal);
      const statistics = statisticsOf(transcript, (Date.now() - startedAt) / 1000);
      const segmentsFile = join(dataDir, "transcribe_data.json");
      const metadata = {
        task_name: ctx.taskName,
        workflow_id: ctx.taskId,
        audio_file: source.split("/").pop(),
        total_duration: round(transcript.duration),
        language: transcript.language,
        word_timestamps_enabled: true,
        model_name: transcript.model,
        engine: transcript.engine,
        created_at: Date.now() / 1000,
      };
      await writeFile(segmentsFile, JSON.stringify({ metadata, segments: transcript.segments, statistics }, null, 2));
      return {
        segments_file: segmentsFile,
        audio_duration: round(transcript.duration),
        language: transcript.language,
        transcribe_duration: statistics.transcribe_duration,
        model_name: transcript.model,
        engine: transcript.engine,
        device: engine === "openai" ? "remote" : "cpu",
        enable_word_timestamps: true,
        statistics,
        segments_count: transcript.segments.length,
      };
    },
  });
}
