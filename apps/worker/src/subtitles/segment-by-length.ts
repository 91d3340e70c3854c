import type { TranscriptSegment, TranscriptWord } from "../speech/transcript.js";

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** A segment's words, or its text's words spread evenly over its time when it has none. */
function wordsOf(segment: TranscriptSegment): TranscriptWord[] {
  if (segment.words && segment.words.length > 0) return segment.words;
  const tokens = segment.text.split(/\s+/).filter(Boolean);
  const step = (segment.end - segment.start) / Math.max(tokens.length, 1);
  return tokens.map((word, i) => ({ word, start: round(segment.start + i * step), end: round(segment.start + (i + 1) * step) }));
}

/**
 * Splits segments whose text is longer than `maxChars` at word boundaries, each piece timed by its
 * words (a segment without word times has its time shared out by word). A single word longer
 * than `maxChars` stays whole. Segments are renumbered from 0.
 */
export function segmentByLength(segments: readonly TranscriptSegment[], maxChars: number): TranscriptSegment[] {
  const out: TranscriptSegment[] = [];
  const push = (words: TranscriptWord[]) => {
    if (words.length === 0) return;
    out.push({ id: out.length, start: words[0]!.start, end: words[words.length - 1]!.end, text: words.map((w) => w.word).join(" "), words });
  };
  for (const segment of segments) {
    if (segment.text.length <= maxChars) {
      out.push({ ...segment, id: out.length });
      continue;
    }
    let line: TranscriptWord[] = [];
    for (const word of wordsOf(segment)) {
      const length = line.reduce((sum, w) => sum + w.word.length + 1, 0) + word.word.length;
      if (line.length > 0 && length > maxChars) {
        push(line);
        line = [];
      }
      line.push(word);
    }
    push(line);
  }
  return out;
}
