import type { Cue } from "../subtitles/format-subtitles.js";

/** One OCR reading of a crop. */
export interface OcrFrame {
  index: number;
  time: number;
  text: string;
}

/** Lower case, letters and digits only, single spaces: what two readings of one line share. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** 1 − edit distance / longer length: 1 for equal strings, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  if (!a || !b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return 1 - (previous[b.length] ?? 0) / Math.max(a.length, b.length);
}

/** The reading seen most often (ties: the first). */
function mostCommon(readings: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const reading of readings) counts.set(reading, (counts.get(reading) ?? 0) + 1);
  return [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
}

/**
 * Merges per-frame readings into timed cues: consecutive frames whose text is at least
 * `threshold` similar to the cue's first reading belong to it (up to `maxGapFrames` unreadable
 * frames inside a cue are bridged); a cue runs from its first frame to one frame past its last,
 * its text is its most common reading, and cues shorter than `minDuration` s are dropped.
 */
export function mergeCues(frames: readonly OcrFrame[], options: { fps: number; threshold: number; maxGapFrames: number; minDuration: number }): Cue[] {
  const step = 1 / options.fps;
  const sorted = [...frames].sort((a, b) => a.index - b.index);
  const cues: { start: number; end: number; lastIndex: number; key: string; readings: string[] }[] = [];
  for (const frame of sorted) {
    const key = normalise(frame.text);
    if (!key) continue;
    const open = cues.at(-1);
    if (open && frame.index - open.lastIndex - 1 <= options.maxGapFrames && similarity(open.key, key) >= options.threshold) {
      open.end = frame.time + step;
      open.lastIndex = frame.index;
      open.readings.push(frame.text.trim());
    } else {
      cues.push({ start: frame.time, end: frame.time + step, lastIndex: frame.index, key, readings: [frame.text.trim()] });
    }
  }
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return cues.filter((cue) => cue.end - cue.start >= options.minDuration).map((cue) => ({ start: round(cue.start), end: round(cue.end), text: mostCommon(cue.readings) }));
}
