import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { createStateStore } from "@wf/state-redis";
import { probeMedia, type MediaProbe } from "@wf/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { engineNodes, findMediaEngines, startWorker, type RunningWorker } from "../src/index.js";
import { parseSrt } from "../src/subtitles/parse-subtitles.js";
import { runNodeToEnd } from "./enqueue.js";

// The speech nodes on their real engines (Debian's pocketsphinx with its en-us model, espeak-ng),
// and the OpenAI-compatible engine against a local server speaking that protocol.
const run = promisify(execFile);
const redis = new Redis(inject("redisUrl"));
const store = createStateStore({ redis });
const prefix = `wf-test-${randomUUID()}`;
const queues = new Map<string, Queue>();
let root: string;
let inputs: string;
let worker: RunningWorker;
let asrServer: Server;
const asrRequests: { auth: string | undefined; fields: Record<string, string>; fileBytes: number }[] = [];
const ASR_KEY = "sk-test-0123456789abcdef";
const SPEECH_START = 1.0;
let speechEnd = 0;
let speechVideo: string;

const engineConfig = (overrides: Partial<Parameters<typeof findMediaEngines>[0]> = {}) => ({
  pocketsphinxPath: "pocketsphinx_continuous",
  pocketsphinxModel: "/usr/share/pocketsphinx/model/en-us",
  espeakPath: "espeak-ng",
  asrApiModel: "whisper-large-v3",
  asrTimeoutMs: 10_000,
  ...overrides,
});

function queueFor(service: string): Queue {
  let queue = queues.get(service);
  if (!queue) {
    queue = new Queue(`${service}_queue`, { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix });
    queues.set(service, queue);
  }
  return queue;
}

async function runNode(taskName: string, inputData: Record<string, unknown>, taskId = `task-${randomUUID()}`) {
  const { stage } = await runNodeToEnd(store, queueFor(taskName.split(".")[0] as string), taskName, inputData, taskId, 60_000);
  return { taskId, stage: stage!, output: (stage?.output ?? {}) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const durationOf = (probe: MediaProbe): number => Number(probe.format.duration);

async function formOf(req: IncomingMessage): Promise<FormData> {
  return new Request("http://local/", { method: "POST", headers: req.headers as Record<string, string>, body: Readable.toWeb(req) as ReadableStream, duplex: "half" } as RequestInit).formData();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-worker-speech-"));
  inputs = join(root, "inputs");
  await mkdir(inputs, { recursive: true });
  // A video whose audio is espeak speech starting at 1 s.
  const speech = join(inputs, "speech.wav");
  await run("espeak-ng", ["-w", speech, "hello world this is a test of speech recognition"]);
  speechEnd = SPEECH_START + durationOf(await probeMedia(speech));
  speechVideo = join(inputs, "speech.mp4");
  await run("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc=size=160x120:rate=10:duration=${Math.ceil(speechEnd + 1)}`, "-i", speech, "-filter_complex", `[1:a]adelay=${SPEECH_START * 1000}:all=1,apad[a]`, "-map", "0:v", "-map", "[a]", "-shortest", "-c:v", "mpeg4", "-c:a", "aac", speechVideo]);

  asrServer = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/v1/audio/transcriptions") return void res.writeHead(404).end();
    void formOf(req).then(async (form) => {
      const file = form.get("file") as File;
      const fields = Object.fromEntries([...form.entries()].filter(([, value]) => typeof value === "string").map(([name, value]) => [name, String(value)]));
      asrRequests.push({ auth: req.headers.authorization, fields, fileBytes: (await file.arrayBuffer()).byteLength });
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          task: "transcribe",
          language: "english",
          duration: 4.2,
          text: "Hello world. This is a test.",
          segments: [
            { id: 0, start: 1.0, end: 2.1, text: " Hello world." },
            { id: 1, start: 2.3, end: 3.9, text: " This is a test." },
          ],
          words: [
            { word: " Hello", start: 1.0, end: 1.4 },
            { word: " world.", start: 1.5, end: 2.1 },
            { word: " This", start: 2.3, end: 2.6 },
          ],
        }),
      );
    });
  });
  asrServer.listen(0, "127.0.0.1");
  await once(asrServer, "listening");
  const engines = findMediaEngines(engineConfig({ asrApiUrl: `http://127.0.0.1:${(asrServer.address() as AddressInfo).port}`, asrApiKey: ASR_KEY }));
  worker = await startWorker({ nodes: engineNodes(engines).nodes, redis, sharedRoot: join(root, "shared"), inputRoots: [inputs, join(root, "shared")], queuePrefix: prefix, logger: pino({ level: "silent" }) });
}, 60_000);

afterAll(async () => {
  await worker?.close();
  for (const queue of queues.values()) await queue.close();
  asrServer?.close();
  await redis.quit();
  await rm(root, { recursive: true, force: true });
});

describe("speech and subtitle nodes on real engines", () => {
  it("finds the engines at start-up, and offers no node whose engine is missing", () => {
    const found = findMediaEngines(engineConfig());
    expect(found.pocketsphinx?.bin).toMatch(/pocketsphinx_continuous$/);
    expect(found.espeak?.bin).toMatch(/espeak-ng$/);
    expect(found.tesseract).toEqual({ bin: expect.stringMatching(/tesseract$/), lang: "eng" });
    expect(findMediaEngines(engineConfig({ tesseractLang: "xyz" })).tesseract).toBeUndefined(); // no such language data
    const none = engineNodes(findMediaEngines(engineConfig({ pocketsphinxPath: "/nonexistent/pocketsphinx", espeakPath: "/nonexistent/espeak-ng", tesseractPath: "/nonexistent/tesseract" })));
    expect(none.nodes.map((node) => node.name)).toEqual(["wservice.generate_subtitle_files", "wservice.segment_subtitles", "ffmpeg.crop_subtitle_images", "tesseract.postprocess_and_finalize"]);
    expect(none.missing).toEqual([expect.stringMatching(/^speech\.transcribe_audio: /), expect.stringMatching(/^espeak\.generate_speech: /), expect.stringMatching(/^tesseract\.detect_subtitle_area, tesseract\.perform_ocr: /)]);
  });

  it("espeak.generate_speech writes valid audio of the length it reports", async () => {
    const { stage, output } = await runNode("espeak.generate_speech", { text: "Subtitles for everyone, from speech.", speed: 160 });
    expect(stage.status, stage.error ?? "").toBe("SUCCESS");
    const probed = await probeMedia(output["audio_path"]);
    expect(probed.streams.map((s) => [s.codec_type, s.codec_name])).toEqual([["audio", "pcm_s16le"]]);
    expect(Math.abs(durationOf(probed) - output["duration"])).toBeLessThan(0.05);
    expect(output["duration"]).toBeGreaterThan(1);
    expect(output["duration"]).toBeLessThan(6);
    expect(output).toMatchObject({ voice: "en", speed: 160, engine: "espeak-ng" });
  });

  it("pocketsphinx transcribes a video's espeak speech: segments inside the speech, the original's contract, then a valid SRT and VTT", async () => {
    const taskId = `task-${randomUUID()}`;
    const { stage, output } = await runNode("speech.transcribe_audio", { audio_path: speechVideo, engine: "pocketsphinx" }, taskId);
    expect(stage.status, stage.error ?? "").toBe("SUCCESS");
    expect(output).toMatchObject({ engine: "pocketsphinx", model_name: "en-us", language: "en", device: "cpu", enable_word_timestamps: true });
    expect(Math.abs(output["audio_duration"] - Math.ceil(speechEnd + 1))).toBeLessThan(0.2);
    const data = JSON.parse(await readFile(output["segments_file"], "utf8"));
    expect(data.metadata).toMatchObject({ engine: "pocketsphinx", workflow_id: taskId, task_name: "speech.transcribe_audio" });
    expect(data.segments.length).toBeGreaterThan(0);
    expect(output["segments_count"]).toBe(data.segments.length);
    expect(output["statistics"]).toEqual(data.statistics);
    for (const segment of data.segments) {
      expect(segment.start).toBeGreaterThanOrEqual(SPEECH_START - 0.3);
      expect(segment.end).toBeLessThanOrEqual(speechEnd + 0.3);
      expect(segment.text.length).toBeGreaterThan(0);
      for (const word of segment.words) expect(word.start).toBeGreaterThanOrEqual(segment.start);
    }

    // The next node finds the transcript by its fallback (no segments_file given).
    const subtitles = await runNode("wservice.generate_subtitle_files", {}, taskId);
    expect(subtitles.stage.status, subtitles.stage.error ?? "").toBe("SUCCESS");
    const cues = parseSrt(await readFile(subtitles.output["subtitle_path"], "utf8"));
    expect(cues.map((cue) => [Math.round(cue.start * 1000), Math.round(cue.end * 1000), cue.text])).toEqual(
      data.segments.map((s: { start: number; end: number; text: string }) => [Math.round(s.start * 1000), Math.round(s.end * 1000), s.text]),
    );
    const vtt = await readFile(subtitles.output["subtitle_files"]["vtt"], "utf8");
    expect(vtt.startsWith("WEBVTT\n\n")).toBe(true);
    expect(vtt).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$/m);
    expect(JSON.parse(await readFile(subtitles.output["json_path"], "utf8"))).toHaveLength(data.segments.length);
  }, 60_000);

  it("the OpenAI-compatible engine sends the audio with its key and keeps the endpoint's segments and words", async () => {
    const { stage, output } = await runNode("speech.transcribe_audio", { audio_path: speechVideo, engine: "openai", language: "en" });
    expect(stage.status, stage.error ?? "").toBe("SUCCESS");
    const request = asrRequests.at(-1)!;
    expect(request.auth).toBe(`Bearer ${ASR_KEY}`);
    expect(request.fields).toMatchObject({ model: "whisper-large-v3", response_format: "verbose_json", language: "en" });
    expect(request.fileBytes).toBeGreaterThan(10_000);
    expect(output).toMatchObject({ engine: "openai-compatible", model_name: "whisper-large-v3", language: "english", audio_duration: 4.2, segments_count: 2, device: "remote" });
    const data = JSON.parse(await readFile(output["segments_file"], "utf8"));
    expect(data.segments).toEqual([
      { id: 0, start: 1.0, end: 2.1, text: "Hello world.", words: [{ word: "Hello", start: 1.0, end: 1.4 }, { word: "world.", start: 1.5, end: 2.1 }] },
      { id: 1, start: 2.3, end: 3.9, text: "This is a test.", words: [{ word: "This", start: 2.3, end: 2.6 }] },
    ]);
    expect(JSON.stringify(stage)).not.toContain(ASR_KEY);
  });

  it("wservice.segment_subtitles splits long segments at word boundaries, timed by their words", async () => {
    const dir = join(root, "shared", "transcripts");
    await mkdir(dir, { recursive: true });
    const file = join(dir, "long.json");
    const words = "this sentence is far too long to show on one subtitle line at once".split(" ").map((word, i) => ({ word, start: i * 0.5, end: i * 0.5 + 0.4 }));
    await writeFile(file, JSON.stringify({ segments: [{ start: 0, end: 6.9, text: words.map((w) => w.word).join(" "), words }, { start: 8, end: 9, text: "short one" }] }));
    const taskId = `task-${randomUUID()}`;
    const { stage, output } = await runNode("wservice.segment_subtitles", { segments_file: file, max_chars: 20 }, taskId);
    expect(stage.status, stage.error ?? "").toBe("SUCCESS");
    const { segments } = JSON.parse(await readFile(output["segments_file"], "utf8"));
    expect(segments.map((s: { text: string }) => s.text)).toEqual(["this sentence is far", "too long to show on", "one subtitle line at", "once", "short one"]);
    expect(segments.every((s: { text: string }) => s.text.length <= 20)).toBe(true);
    expect(segments[1]).toMatchObject({ id: 1, start: 2, end: 4.4 }); // "too" starts at 2 s, "on" ends at 4.4 s
    // generate_subtitle_files takes the split transcript by its fallback.
    const subtitles = await runNode("wservice.generate_subtitle_files", {}, taskId);
    expect(parseSrt(await readFile(subtitles.output["subtitle_path"], "utf8")).map((cue) => cue.text)).toHaveLength(5);
  });

  it("refuses options it does not honour, and a file that is no transcript", async () => {
    const notEnglish = await runNode("speech.transcribe_audio", { audio_path: speechVideo, engine: "pocketsphinx", language: "de" });
    expect(notEnglish.stage.error).toMatch(/English only/);
    const bad = await runNode("wservice.generate_subtitle_files", { segments_file: speechVideo });
    expect(bad.stage.error).toMatch(/not a transcript/);
  });
});
