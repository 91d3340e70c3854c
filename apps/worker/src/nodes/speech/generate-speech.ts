import { join } from "node:path";
import { z } from "zod";
import { probeDuration } from "../../ffmpeg/probe.js";
import { runTool } from "../../ffmpeg/run-ffmpeg.js";
import type { MediaEngines } from "../../engines/find-engines.js";
import { defineNode, type NodeDefinition } from "../define-node.js";

/**
 * `espeak.generate_speech`: speech synthesis with espeak-ng: `text`, `voice`, `speed` (words per
 * minute) → a WAV at `audio_path` and its `duration`, as the original's `indextts.generate_speech`
 * answers them. `undefined` when espeak-ng is not installed.
 */
export function generateSpeechNode(engines: MediaEngines): NodeDefinition | undefined {
  const espeak = engines.espeak;
  if (!espeak) return undefined;
  return defineNode({
    name: "espeak.generate_speech",
    input: z.strictObject({
      text: z.string().trim().min(1).max(10_000).describe("What to say"),
      voice: z.string().regex(/^[a-z]{2,3}(-[a-z0-9]{1,8})*(\+[a-z0-9]{1,12})?$/i).default("en").describe("An espeak-ng voice, e.g. en, en-us, de, en+f3"),
      speed: z.number().int().min(80).max(450).default(175).describe("Words per minute (default 175)"),
      output_filename: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).default("speech").describe("File name without extension"),
    }),
    async run(input, ctx) {
      const audioPath = join(ctx.outputDir, `${input.output_filename}.wav`);
      // The text goes on stdin-free argv after "--", never through a shell.
      await runTool(espeak.bin, ["-v", input.voice, "-s", String(input.speed), "-w", audioPath, "--", input.text], ctx.signal).catch((error: unknown) => {
        throw new Error(`espeak-ng failed: ${error instanceof Error ? error.message.replace(/^\S+ failed: /, "") : String(error)}`);
      });
      const duration = await probeDuration(ctx.tools.ffprobe, audioPath, ctx.signal);
      return { audio_path: audioPath, duration: Math.round(duration * 1000) / 1000, voice: input.voice, speed: input.speed, engine: "espeak-ng" };
    },
  });
}
