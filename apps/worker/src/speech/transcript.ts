/** One recognised word, in seconds. */
export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
  probability?: number;
}

/** One segment of a transcript, as the original's `faster_whisper.transcribe_audio` writes them. */
export interface TranscriptSegment {
  id: number;
  start: number;
  end: number;
  text: string;
  words?: TranscriptWord[];
}

/** What a speech engine answers for one audio file. */
export interface Transcript {
  language: string;
  /** Seconds of audio. */
  duration: number;
  segments: TranscriptSegment[];
  /** The engine and model that produced it, e.g. `pocketsphinx` / `en-us`. */
  engine: string;
  model: string;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Parses `pocketsphinx_continuous -time yes` output: per utterance a hypothesis line, then one
 * `word start end probability` line per token between `<s>` and `</s>`. Fillers (`<sil>`,
 * `[NOISE]`, …) are dropped and alternative pronunciations (`to(3)`) read as their word.
 */
export function parsePocketsphinx(stdout: string): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let words: TranscriptWord[] = [];
  const flush = (): void => {
    if (words.length > 0) {
      segments.push({ id: segments.length, start: words[0]!.start, end: words[words.length - 1]!.end, text: words.map((w) => w.word).join(" "), words });
    }
    words = [];
  };
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (!match) continue;
    const token = match[1] as string;
    if (token === "<s>") {
      flush();
      continue;
    }
    if (token === "</s>") {
      flush();
      continue;
    }
    if (token.startsWith("<") || token.startsWith("[") || token.startsWith("++")) continue;
    words.push({ word: token.replace(/\(\d+\)$/, ""), start: round(Number(match[2])), end: round(Number(match[3])), probability: round(Number(match[4])) });
  }
  flush();
  return segments;
}
