import { basename, extname, join } from "node:path";
import { z } from "zod";
import { runFfmpeg } from "../../ffmpeg/run-ffmpeg.js";
import { safeInput } from "../../ffmpeg/safe-input.js";
import { defineNode } from "../define-node.js";

/**
 * `ffmpeg.extract_audio`: the video's audio track as a 16 kHz mono `pcm_s16le` WAV (what speech
 * models expect), written to `<task folder>/nodes/ffmpeg.extract_audio/<video name>.wav`.
 */
export const extractAudioNode = defineNode({
  name: "ffmpeg.extract_audio",
  input: z.object({
    video_path: z.string().min(1).describe("Absolute path of the video under an allowed input root, or an http(s) URL"),
  }),
  async run(input, ctx) {
    const source = await ctx.resolveInput(input.video_path);
    const audioPath = join(ctx.outputDir, `${basename(source, extname(source))}.wav`);
    const args = ["-nostdin", "-y", ...safeInput(source), "-vn", "-acodec", "pcm_s16le", "-ar", "16000", "-ac", "1", audioPath];
    await runFfmpeg(ctx.tools.ffmpeg, args, ctx.signal);
    return { audio_path: audioPath };
  },
});
