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

beforeAll(async () => {
  stack = await startStack(inject("redisUrl"), "speech");
  const speech = join(stack.shared, "inputs", "speech.wav");
  await run("espeak-ng", ["-w", speech, "good morning and welcome to the show"]);
  speechVideo = join(stack.shared, "inputs", "speech.mp4");
  await run("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=5", "-i", speech, "-filter_complex", "[1:a]adelay=1000:all=1,apad[a]", "-map", "0:v", "-map", "[a]", "-shortest", "-c:v", "mpeg4", "-c:a", "aac", speechVideo]);
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

  it("synthesises speech", async () => {
    const created = await stack.client.create({ task_name: "espeak.generate_speech", input_data: { text: "wf speaks", voice: "en-us" } });
    const done = await stack.client.waitFor(created.task_id, { timeoutMs: 30_000 });
    expect(done.status).toBe("completed");
    const output = done.result?.output as { audio_path: string; duration: number };
    expect(output.duration).toBeGreaterThan(0.3);
    expect((await readFile(output.audio_path)).subarray(0, 4).toString()).toBe("RIFF");
  });
});
