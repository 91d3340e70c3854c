import { openAsBlob } from "node:fs";
import { basename, join } from "node:path";
import type { MediaEngines } from "../engines/find-engines.js";
import { runTool } from "../ffmpeg/run-ffmpeg.js";
import { parsePocketsphinx, type Transcript, type TranscriptSegment } from "./transcript.js";

/** Transcribes a 16 kHz mono WAV with pocketsphinx (CPU). */
export async function transcribeWithPocketsphinx(engine: NonNullable<MediaEngines["pocketsphinx"]>, wav: string, duration: number, signal: AbortSignal): Promise<Transcript> {
  const model = join(engine.model, "en-us");
  const stdout = await runTool(
    engine.bin,
    ["-infile", wav, "-time", "yes", "-logfn", "/dev/null", "-hmm", model, "-lm", join(engine.model, "en-us.lm.bin"), "-dict", join(engine.model, "cmudict-en-us.dict")],
    signal,
  ).catch((error: unknown) => {
    throw new Error(`pocketsphinx failed: ${error instanceof Error ? error.message.replace(/^\S+ failed: /, "") : String(error)}`);
  });
  return { language: "en", duration, segments: parsePocketsphinx(stdout), engine: "pocketsphinx", model: "en-us" };
}

interface VerboseJson {
  language?: string;
  duration?: number;
  segments?: { id?: number; start: number; end: number; text: string; words?: { word: string; start: number; end: number; probability?: number }[] }[];
  words?: { word: string; start: number; end: number; probability?: number }[];
  text?: string;
}

/**
 * Transcribes with an OpenAI-compatible endpoint (`verbose_json`, word and segment timestamps),
 * as faster-whisper servers, whisper.cpp's server and hosted APIs answer it.
 */
export async function transcribeWithOpenAi(engine: NonNullable<MediaEngines["openai"]>, audio: string, language: string | undefined, duration: number, signal: AbortSignal): Promise<Transcript> {
  const form = new FormData();
  form.append("file", await openAsBlob(audio), basename(audio));
  form.append("model", engine.model);
  form.append("response_format", "verbose_json");
  form.append("timestamp_granularities[]", "segment");
  form.append("timestamp_granularities[]", "word");
  if (language) form.append("language", language);
  const response = await fetch(`${engine.url}/v1/audio/transcriptions`, {
    method: "POST",
    body: form,
    headers: engine.apiKey ? { authorization: `Bearer ${engine.apiKey}` } : {},
    signal: AbortSignal.any([signal, AbortSignal.timeout(engine.timeoutMs)]),
  }).catch((error: unknown) => {
    if (signal.aborted) throw signal.reason;
    throw new Error(`the transcription endpoint did not answer: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (!response.ok) throw new Error(`the transcription endpoint answered ${response.status}: ${(await response.text().catch(() => "")).slice(0, 300)}`);
  const body = (await response.json()) as VerboseJson;
  const allWords = body.words ?? [];
  const segments: TranscriptSegment[] = (body.segments ?? []).map((segment, index) => {
    const words = segment.words ?? allWords.filter((word) => word.start >= segment.start && word.end <= segment.end);
    return { id: index, start: segment.start, end: segment.end, text: segment.text.trim(), ...(words.length > 0 ? { words: words.map((w) => ({ ...w, word: w.word.trim() })) } : {}) };
  });
  return { language: body.language ?? language ?? "unknown", duration: body.duration ?? duration, segments, engine: "openai-compatible", model: engine.model };
}
