// Video to subtitles in one request, as real processes: ffmpeg.extract_audio, then
// speech.transcribe_audio (pocketsphinx), then wservice.generate_subtitle_files, on a video whose
// audio is espeak speech; and speech synthesis with espeak.generate_speech.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startStack, type Stack } from "./stack.js";

const run = promisify(execFile);
let stack: Stack;
let speechVideo: string;
let captionedVideo: string;
/** The burned-in lines and when they show, in seconds. */
const CAPTIONS = [
  { text: "Hello subtitle world", start: 0.5, end: 2.0 },
  { text: "Second line here", start: 3.0, end: 4.5 },
  { text: "The third caption", start: 5.5, end: 7.0 },
];

beforeAll(async () => {
  stack = await startStack(inject("redisUrl"), "speech");
  const speech = join(stack.shared, "inputs", "speech.wav");
  await run("espeak-ng", ["-w", speech, "good morning and welcome to the show"]);
  speechVideo = join(stack.shared, "inputs", "speech.mp4");
  await run("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=5", "-i", speech, "-filter_complex", "[1:a]adelay=1000:all=1,apad[a]", "-map", "0:v", "-map", "[a]", "-shortest", "-c:v", "mpeg4", "-c:a", "aac", speechVideo]);
  captionedVideo = join(stack.shared, "inputs", "captioned.mp4");
  const drawtext = CAPTIONS.map((c) => `drawtext=text='${c.text}':fontcolor=white:fontsize=28:x=(w-text_w)/2:y=h-60:enable='between(t,${c.start},${c.end})'`).join(",");
  await run("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=0x203040:size=640x360:duration=8:rate=10", "-vf", drawtext, "-c:v", "mpeg4", "-q:v", "2", captionedVideo]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe("speech nodes on the wf-worker", () => {
  it("turns a video's speech into SRT, VTT and JSON subtitles in one pipeline request", async () => {
    const created = await stack.client.createPipeline({
      nodes: [
        { task_name: "ffmpeg.extract_audio", input_data: { video_path: speechVideo } },
        { task_name: "speech.transcribe_audio", input_data: {} },
        { task_name: "wservice.generate_subtitle_files", input_data: {} },
      ],
    });
    expect(created.nodes.map((node) => node.state)).toEqual(["queued", "waiting", "waiting"]);
    const done = await stack.client.waitFor(created.task_id, { timeoutMs: 60_000 });
    expect(done.status, JSON.stringify(done)).toBe("completed");
    const { context } = await stack.client.result(created.task_id);
    const transcript = context.stages["speech.transcribe_audio"]?.output as Record<string, unknown>;
    expect(transcript["engine"]).toBe("pocketsphinx");
    const subtitles = context.stages["wservice.generate_subtitle_files"]?.output as { subtitle_path: string; subtitle_files: { vtt: string } };
    const srt = await readFile(subtitles.subtitle_path, "utf8");
    expect(srt).toMatch(/^1\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n\S/);
    expect((await readFile(subtitles.subtitle_files.vtt, "utf8")).startsWith("WEBVTT")).toBe(true);
  }, 90_000);

  it("reads burned-in subtitles into an SRT whose cues have their texts and times, in one pipeline request", async () => {
    const created = await stack.client.createPipeline({
      nodes: [
        { task_name: "ffmpeg.extract_keyframes", input_data: { video_path: captionedVideo, keyframe_sample_count: 8 } },
        { task_name: "tesseract.detect_subtitle_area", input_data: {} },
        { task_name: "ffmpeg.crop_subtitle_images", input_data: { video_path: captionedVideo } },
        { task_name: "tesseract.perform_ocr", input_data: {} },
        { task_name: "tesseract.postprocess_and_finalize", input_data: {} },
      ],
    });
    const done = await stack.client.waitFor(created.task_id, { timeoutMs: 90_000 });
    expect(done.status, JSON.stringify(done)).toBe("completed");
    const { context } = await stack.client.result(created.task_id);
    const area = (context.stages["tesseract.detect_subtitle_area"]?.output as { subtitle_area: number[] }).subtitle_area;
    expect(area[1]).toBeGreaterThan(200); // the lower part of the 360-pixel frame
    const finalOutput = context.stages["tesseract.postprocess_and_finalize"]?.output as { srt_file: string; json_file: string; subtitles_count: number };
    const srt = await readFile(finalOutput.srt_file, "utf8");
    const cues = srt.trim().split(/\n\n/).map((block) => {
      const [, times, text] = block.split("\n");
      const [start, end] = (times ?? "").split(" --> ").map((t) => {
        const [h, m, rest] = t.split(":");
        return Number(h) * 3600 + Number(m) * 60 + Number((rest ?? "").replace(",", "."));
      });
      return { text, start, end };
    });
    expect(cues.map((cue) => cue.text)).toEqual(CAPTIONS.map((caption) => caption.text));
    for (const [i, cue] of cues.entries()) {
      expect(Math.abs((cue.start ?? 0) - CAPTIONS[i]!.start)).toBeLessThanOrEqual(0.5);
      expect(Math.abs((cue.end ?? 0) - CAPTIONS[i]!.end)).toBeLessThanOrEqual(0.5);
    }
    expect(JSON.parse(await readFile(finalOutput.json_file, "utf8"))).toHaveLength(3);
  }, 120_000);

  it("synthesises speech", async () => {
    const created = await stack.client.create({ task_name: "espeak.generate_speech", input_data: { text: "wf speaks", voice: "en-us" } });
    const done = await stack.client.waitFor(created.task_id, { timeoutMs: 30_000 });
    expect(done.status).toBe("completed");
    const output = done.result?.output as { audio_path: string; duration: number };
    expect(output.duration).toBeGreaterThan(0.3);
    expect((await readFile(output.audio_path)).subarray(0, 4).toString()).toBe("RIFF");
  });
});
