import { InputError } from "../errors.js";

/** One timed subtitle entry, in seconds, with its speaker when the file names one. */
export interface SubtitleEntry {
  start: number;
  end: number;
  text: string;
  /** `SPEAKER_00`-style label: a JSON entry's `speaker`, or an SRT text's `[SPEAKER_00]` / `SPEAKER_00:` prefix. */
  speaker?: string;
}

/** An SRT text's leading speaker label, as diarized subtitles write it: `[SPEAKER_00] …` or `SPEAKER_00: …`. */
const SPEAKER_PREFIX = /^\[?([A-Za-z][\w-]{0,63})\]?:?\s+/;

function withSpeaker(entry: SubtitleEntry): SubtitleEntry {
  const match = SPEAKER_PREFIX.exec(entry.text);
  const label = match?.[1];
  // Only labels that read as speakers: a text's first word is not one.
  if (!match || !label || !/^(SPEAKER|speaker|Speaker)[_-]?\w+$/.test(label)) return entry;
  return { ...entry, speaker: label, text: entry.text.slice(match[0].length) };
}

const SRT_TIME = /(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})/;

function seconds(h: string, m: string, s: string, ms: string): number {
  return Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms.padEnd(3, "0")) / 1000;
}

/** SRT entries: each block's `HH:MM:SS,mmm --> HH:MM:SS,mmm` line and the text lines after it. */
export function parseSrt(text: string): SubtitleEntry[] {
  const entries: SubtitleEntry[] = [];
  for (const block of text.replace(/^\uFEFF/, "").split(/\r?\n\s*\r?\n/)) {
    const lines = block.split(/\r?\n/);
    const timing = lines.findIndex((line) => SRT_TIME.test(line));
    if (timing === -1) continue;
    const [, h1, m1, s1, ms1, h2, m2, s2, ms2] = SRT_TIME.exec(lines[timing] as string) as unknown as string[];
    entries.push(withSpeaker({
      start: seconds(h1 as string, m1 as string, s1 as string, ms1 as string),
      end: seconds(h2 as string, m2 as string, s2 as string, ms2 as string),
      text: lines.slice(timing + 1).join("\n").trim(),
    }));
  }
  return entries;
}

/** JSON entries: `[{start, end, text}]` in seconds, or an object with such a `segments` array (faster-whisper's output). */
export function parseJsonSubtitles(text: string): SubtitleEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError("INVALID_SUBTITLES", "subtitle file is not valid JSON");
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { segments?: unknown } | null)?.segments;
  if (!Array.isArray(list)) throw new InputError("INVALID_SUBTITLES", "JSON subtitles must be [{start, end, text}] or {segments: [...]}");
  return list.map((item, index) => {
    const entry = item as { start?: unknown; end?: unknown; text?: unknown; speaker?: unknown };
    if (typeof entry.start !== "number" || typeof entry.end !== "number") {
      throw new InputError("INVALID_SUBTITLES", `subtitle entry ${index} needs numeric start and end (seconds)`);
    }
    const text = typeof entry.text === "string" ? entry.text : "";
    return typeof entry.speaker === "string" && entry.speaker !== "" ? { start: entry.start, end: entry.end, text, speaker: entry.speaker } : withSpeaker({ start: entry.start, end: entry.end, text });
  });
}

/**
 * The timed entries of an SRT or JSON subtitle file (JSON when its first character is `[` or `{`),
 * keeping only entries that last a positive time. Throws `INVALID_SUBTITLES` when none does.
 */
export function parseSubtitles(text: string): SubtitleEntry[] {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  const entries = trimmed.startsWith("[") || trimmed.startsWith("{") ? parseJsonSubtitles(trimmed) : parseSrt(trimmed);
  const usable = entries.filter((entry) => Number.isFinite(entry.start) && entry.start >= 0 && entry.end > entry.start);
  if (usable.length === 0) throw new InputError("INVALID_SUBTITLES", "the subtitle file has no timed entries (SRT, or JSON [{start, end, text}])");
  return usable;
}
