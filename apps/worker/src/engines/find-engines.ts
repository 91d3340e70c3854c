import { accessSync, constants, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { delimiter, join } from "node:path";

/** Whether tesseract has the language data `lang` (`tesseract --list-langs`). */
function hasTesseractLanguage(bin: string, lang: string): boolean {
  try {
    return execFileSync(bin, ["--list-langs"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 }).split(/\r?\n/).includes(lang);
  } catch {
    return false;
  }
}

/** Where the media engines besides ffmpeg are, found at start-up (see {@link findMediaEngines}). */
export interface MediaEngines {
  /** `pocketsphinx_continuous` and its model folder, when both are installed. */
  pocketsphinx?: { bin: string; model: string };
  /** An OpenAI-compatible transcription endpoint (`POST <url>/v1/audio/transcriptions`), when configured. */
  openai?: { url: string; apiKey?: string; model: string; timeoutMs: number };
  /** `espeak-ng`, when installed. */
  espeak?: { bin: string };
  /** `tesseract` with the language data the OCR nodes read, when installed. */
  tesseract?: { bin: string; lang: string };
}

/** A binary's full path when it is on `PATH` (or given as a path) and executable. */
export function findBinary(name: string): string | undefined {
  const candidates = name.includes("/") ? [name] : (process.env["PATH"] ?? "").split(delimiter).map((dir) => join(dir, name));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Finds the engines this machine has, from the worker's configuration. */
export function findMediaEngines(config: {
  pocketsphinxPath: string;
  pocketsphinxModel: string;
  espeakPath: string;
  tesseractPath?: string;
  tesseractLang?: string;
  asrApiUrl?: string | undefined;
  asrApiKey?: string | undefined;
  asrApiModel: string;
  asrTimeoutMs: number;
}): MediaEngines {
  const pocketsphinx = findBinary(config.pocketsphinxPath);
  const espeak = findBinary(config.espeakPath);
  const tesseract = findBinary(config.tesseractPath ?? "tesseract");
  const lang = config.tesseractLang ?? "eng";
  return {
    ...(pocketsphinx && existsSync(join(config.pocketsphinxModel, "en-us")) ? { pocketsphinx: { bin: pocketsphinx, model: config.pocketsphinxModel } } : {}),
    ...(config.asrApiUrl ? { openai: { url: config.asrApiUrl.replace(/\/+$/, ""), model: config.asrApiModel, timeoutMs: config.asrTimeoutMs, ...(config.asrApiKey ? { apiKey: config.asrApiKey } : {}) } } : {}),
    ...(espeak ? { espeak: { bin: espeak } } : {}),
    ...(tesseract && hasTesseractLanguage(tesseract, lang) ? { tesseract: { bin: tesseract, lang } } : {}),
  };
}
