import { runTool } from "../ffmpeg/run-ffmpeg.js";

/** One word tesseract read, with its box in pixels and its confidence (0-100). */
export interface OcrWord {
  text: string;
  confidence: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Page segmentation modes used here: `auto` for whole frames, `line` for subtitle crops. */
export type OcrLayout = "auto" | "line";

/** Parses `tesseract … tsv`: word rows (level 5) with text and a non-negative confidence. */
export function parseTesseractTsv(tsv: string): OcrWord[] {
  return tsv
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split("\t"))
    .filter((cols) => cols[0] === "5" && (cols[11] ?? "").trim() !== "" && Number(cols[10]) >= 0)
    .map((cols) => ({
      text: (cols[11] ?? "").trim(),
      confidence: Number(cols[10]),
      left: Number(cols[6]),
      top: Number(cols[7]),
      width: Number(cols[8]),
      height: Number(cols[9]),
    }));
}

/** The words tesseract reads in an image. */
export async function readWords(engine: { bin: string; lang: string }, image: string, layout: OcrLayout, signal: AbortSignal): Promise<OcrWord[]> {
  const psm = layout === "line" ? "7" : "3";
  const tsv = await runTool(engine.bin, [image, "-", "-l", engine.lang, "--psm", psm, "tsv"], signal);
  return parseTesseractTsv(tsv);
}
