import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createActiveNodes, createNodeRegistry, createStateStore } from "@wf/state-redis";
import { makeTestVideo, probeMedia, waitFor } from "@wf/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { CALLBACK_QUEUE } from "@wf/protocol";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { builtinNodes, defineNode, runFfmpeg, serveMetrics, startWorker, type RunningWorker } from "../src/index.js";
import { WorkerEnvSchema } from "../src/config.js";
import { enqueueNode, runNodeToEnd } from "./enqueue.js";

const prefix = `wf-test-${randomUUID()}`;
const redis = new Redis(inject("redisUrl"));
const store = createStateStore({ redis });
let root: string;
let sharedRoot: string;
let inputs: string;
let video: string;
let worker: RunningWorker;
let mediaServer: Server;
let mediaBase: string;
const queues = new Map<string, Queue>();

const explodingNode = defineNode({
  name: "test.explode",
  input: z.object({ api_key: z.string(), nested: z.object({ password: z.string(), keep: z.string() }) }),
  run: async () => {
    throw new Error("the handler exploded");
  },
});
const echoNode = defineNode({
  name: "test.echo",
  input: z.object({ text: z.string() }),
  run: async (input, ctx) => {
    await ctx.progress(50);
    const seen = (await store.getNodeState(ctx.taskId, ctx.taskName))?.stages[ctx.taskName];
    return { text: input.text, dir: ctx.storageDir, seen: { status: seen?.status, progress: seen?.["progress"] } };
  },
});

const hangNode = defineNode({
  name: "test.hang",
  input: z.object({ marker: z.number() }),
  timeoutMs: 1_500,
  run: async (input, ctx) => {
    await runFfmpeg(ctx.tools.ffmpeg, ["-nostdin", "-re", "-f", "lavfi", "-i", `sine=frequency=${input.marker}:duration=600`, "-f", "null", "-"], ctx.signal);
    return {};
  },
});
const stubbornNode = defineNode({
  name: "test.stubborn",
  input: z.object({}),
  timeoutMs: 300,
  run: () => new Promise<Record<string, unknown>>(() => undefined), // ignores its signal and never settles
});

/** The return value of a finished job of test_queue: the executor's outcome. */
async function jobOutcome(jobId: string): Promise<unknown> {
  return waitFor(async () => {
    // One read: the job's return value and its completion come from the same snapshot.
    const job = await queueFor("test").getJob(jobId);
    return job?.finishedOn ? job.returnvalue : undefined;
  });
}

function queueFor(service: string): Queue {
  let queue = queues.get(service);
  if (!queue) {
    queue = new Queue(`${service}_queue`, { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix });
    queues.set(service, queue);
  }
  return queue;
}

/** Enqueues a node job the way the gateway does and waits until its stage is final. */
async function runNode(taskName: string, inputData: Record<string, unknown>, id = `task-${randomUUID()}`, timeoutMs = 30_000) {
  return runNodeToEnd(store, queueFor(taskName.split(".")[0] as string), taskName, inputData, id, timeoutMs);
}

let outsideSegment: string;
const playlistOf = (segment: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1,\n${segment}\n#EXT-X-ENDLIST\n`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-worker-"));
  // A file outside every input root, in a format an HLS playlist may name as a segment.
  await mkdir(join(root, "outside"), { recursive: true });
  outsideSegment = join(root, "outside", "secret.ts");
  await promisify(execFile)("ffmpeg", ["-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1", "-f", "mpegts", "-y", outsideSegment]);
  sharedRoot = join(root, "shared");
  inputs = join(root, "inputs");
  await mkdir(sharedRoot, { recursive: true });
  await mkdir(inputs, { recursive: true });
  video = await makeTestVideo(join(inputs, "demo.mp4"), 2);
  worker = await startWorker({
    nodes: [...builtinNodes, explodingNode, echoNode, hangNode, stubbornNode],
    redis,
    sharedRoot,
    inputRoots: [inputs],
    queuePrefix: prefix,
    logger: pino({ level: "silent" }),
    downloads: { maxBytes: 1_000_000, timeoutMs: 2_000, policy: { allowPrivate: false, allowedHosts: ["127.0.0.1"] } },
  });
  mediaServer = createServer((req, res) => {
    if (req.url === "/demo.mp4") createReadStream(video).pipe(res);
    else if (req.url === "/big.bin") res.writeHead(200, { "content-length": 5_000_000 }).end(Buffer.alloc(10));
    else if (req.url === "/endless.bin") res.writeHead(200).write(Buffer.alloc(1024 * 1024 + 1));
    else if (req.url === "/slow.mp4") res.writeHead(200).write("x");
    else if (req.url === "/escape.m3u8") res.writeHead(200).end(playlistOf(outsideSegment));
    else res.writeHead(404).end();
  });
  mediaServer.listen(0, "127.0.0.1");
  await once(mediaServer, "listening");
  mediaBase = `http://127.0.0.1:${(mediaServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  mediaServer?.closeAllConnections();
  mediaServer?.close();
  await worker?.close();
  for (const queue of queues.values()) await queue.close();
  await redis.quit();
  await rm(root, { recursive: true, force: true });
});

describe("worker", () => {
  it("consumes one queue per service", () => {
    expect([...worker.queues].sort()).toEqual(["ffmpeg_queue", "test_queue"]);
  });

  it("publishes its nodes, with their input JSON Schema, to the registry", async () => {
    const nodes = await createNodeRegistry({ redis }).list();
    const extract = nodes.find((node) => node.name === "ffmpeg.extract_audio");
    expect(extract?.workers).toContain(worker.id);
    expect(extract?.inputSchema).toMatchObject({ type: "object", properties: { video_path: { type: "string" } }, required: ["video_path"] });
    expect(nodes.find((node) => node.name === "test.echo")?.workers).toContain(worker.id);
    // A field the node can take from an earlier stage is optional in what the gateway validates.
    const split = nodes.find((node) => node.name === "ffmpeg.split_audio_segments");
    expect(split?.inputSchema["properties"]).toHaveProperty("audio_path");
    expect(split?.inputSchema["required"] ?? []).not.toContain("audio_path");
  });

  it("ffmpeg.extract_audio writes a 16 kHz mono pcm_s16le WAV and records SUCCESS", async () => {
    const { taskId, state, stage } = await runNode("ffmpeg.extract_audio", { video_path: video });
    expect(stage?.status).toBe("SUCCESS");
    expect(state.status).toBe("completed");
    const audioPath = stage?.output?.["audio_path"] as string;
    expect(audioPath).toBe(join(sharedRoot, "tasks", taskId, "nodes", "ffmpeg.extract_audio", "demo.wav"));
    const probe = await probeMedia(audioPath);
    expect(probe.streams).toHaveLength(1);
    expect(probe.streams[0]).toMatchObject({ codec_type: "audio", codec_name: "pcm_s16le", sample_rate: "16000", channels: 1 });
    expect(Number(probe.format.duration)).toBeCloseTo(2, 0);
    expect(stage?.duration).toBeGreaterThan(0);
    expect(await redis.ttl(store.nodeKey(taskId, "ffmpeg.extract_audio"))).toBeGreaterThan(86_000);
  });

  it("ffmpeg.split_audio_segments cuts fixed-length WAV segments, the last one shorter", async () => {
    const long = await makeTestVideo(join(inputs, "five-seconds.mp4"), 5);
    const { taskId, stage } = await runNode("ffmpeg.split_audio_segments", { audio_path: long, segment_seconds: 2 });
    expect(stage?.status, stage?.error ?? "").toBe("SUCCESS");
    const segments = stage?.output?.["segments"] as string[];
    expect(segments).toEqual([0, 1, 2].map((i) => join(sharedRoot, "tasks", taskId, "nodes", "ffmpeg.split_audio_segments", "audio_segments", `segment_00${i}.wav`)));
    expect(stage?.output?.["audio_segments_dir"]).toBe(join(sharedRoot, "tasks", taskId, "nodes", "ffmpeg.split_audio_segments", "audio_segments"));
    const probes = await Promise.all(segments.map((segment) => probeMedia(segment)));
    expect(probes.map((probe) => probe.streams[0]?.codec_name)).toEqual(["pcm_s16le", "pcm_s16le", "pcm_s16le"]);
    const durations = probes.map((probe) => Number(probe.format.duration));
    expect(durations[0]).toBeCloseTo(2, 1);
    expect(durations[1]).toBeCloseTo(2, 1);
    expect(durations[2]).toBeCloseTo(1, 1);
    expect(stage?.output?.["segment_count"]).toBe(3);
    expect(stage?.output).toMatchObject({ total_segments: 3, successful_segments: 3, failed_segments: 0, audio_format: "wav", sample_rate: 16_000, channels: 1 });
    expect(stage?.output?.["total_duration"] as number).toBeCloseTo(5, 0);

    // min_segment_duration drops the shorter last piece; max_segment_duration caps the length.
    const capped = await runNode("ffmpeg.split_audio_segments", { audio_path: long, segment_seconds: 3, max_segment_duration: 2, min_segment_duration: 1.5 });
    expect(capped.stage?.output).toMatchObject({ segment_seconds: 2, total_segments: 3, successful_segments: 2, segments_count: 2, total_duration: 4 });
  });

  it("ffmpeg.extract_keyframes writes keyframe_sample_count evenly spaced JPEG frames into keyframe_dir", async () => {
    const four = await makeTestVideo(join(inputs, "four-seconds.mp4"), 4);
    const { taskId, stage } = await runNode("ffmpeg.extract_keyframes", { video_path: four, keyframe_sample_count: 4 });
    expect(stage?.status, stage?.error ?? "").toBe("SUCCESS");
    expect(stage?.output?.["timestamps"]).toEqual([0.5, 1.5, 2.5, 3.5]);
    const frames = stage?.output?.["frames"] as string[];
    expect(frames).toHaveLength(4);
    for (const [i, frame] of frames.entries()) {
      expect(frame).toBe(join(sharedRoot, "tasks", taskId, "nodes", "ffmpeg.extract_keyframes", "keyframes", `frame_00${i}.jpg`));
      expect((await probeMedia(frame)).streams[0]).toMatchObject({ codec_name: "mjpeg", width: 160, height: 120 });
    }
    const keyframeDir = stage?.output?.["keyframe_dir"] as string;
    expect((await readdir(keyframeDir)).sort()).toEqual(["frame_000.jpg", "frame_001.jpg", "frame_002.jpg", "frame_003.jpg"]);
  });

  it("ffmpeg.extract_keyframes takes 100 frames by default, as the original", async () => {
    // A hundred ffmpeg runs: slow on a machine whose other test suites run at the same time.
    const { stage } = await runNode("ffmpeg.extract_keyframes", { video_path: video }, undefined, 100_000);
    expect(stage?.status, stage?.error ?? "").toBe("SUCCESS");
    expect(await readdir(stage?.output?.["keyframe_dir"] as string)).toHaveLength(100);
  }, 120_000);

  it("ffmpeg.split_audio_segments cuts one segment per SRT or JSON subtitle entry", async () => {
    const long = await makeTestVideo(join(inputs, "subtitled.mp4"), 5);
    const srt = join(inputs, "subtitles.srt");
    await writeFile(srt, "1\n00:00:00,500 --> 00:00:01,500\nhello\n\n2\n00:00:02,000 --> 00:00:04,250\nworld\nsecond line\n");
    const json = join(inputs, "subtitles.json");
    await writeFile(json, JSON.stringify([{ start: 1, end: 1.5, text: "a" }, { start: 3, end: 4, text: "b" }, { start: 4.2, end: 4.8, text: "c" }]));
    for (const [subtitle, expected] of [[srt, [1, 2.25]], [json, [0.5, 1, 0.6]]] as const) {
      const { stage } = await runNode("ffmpeg.split_audio_segments", { audio_path: long, subtitle_path: subtitle });
      expect(stage?.status, stage?.error ?? "").toBe("SUCCESS");
      expect(stage?.output?.["split_mode"]).toBe("subtitles");
      const segments = stage?.output?.["segments"] as string[];
      expect(segments).toHaveLength(expected.length);
      const durations = await Promise.all(segments.map(async (segment) => Number((await probeMedia(segment)).format.duration)));
      durations.forEach((duration, i) => expect(duration).toBeCloseTo(expected[i] as number, 1));
    }
    const info = (await runNode("ffmpeg.split_audio_segments", { audio_path: long, subtitle_path: srt })).stage?.output?.["segments_info"];
    expect(info).toMatchObject([{ start: 0.5, end: 1.5, text: "hello" }, { start: 2, end: 4.25, text: "world\nsecond line" }]);
  });

  it("ffmpeg.split_audio_segments answers the original's fields and honours its options (format, rate, channels, speakers, durations)", async () => {
    const long = await makeTestVideo(join(inputs, "speakers.mp4"), 5);
    const json = join(inputs, "speakers.json");
    await writeFile(json, JSON.stringify([
      { start: 0.2, end: 0.5, text: "too short", speaker: "SPEAKER_00" },
      { start: 1, end: 2, text: "one", speaker: "SPEAKER_00" },
      { start: 2.5, end: 4.5, text: "two", speaker: "SPEAKER_01" },
    ]));
    const { taskId, stage } = await runNode("ffmpeg.split_audio_segments", {
      audio_path: long,
      subtitle_path: json,
      output_format: "flac",
      sample_rate: 22_050,
      channels: 2,
      min_segment_duration: 0.5,
      max_segment_duration: 1.5,
      group_by_speaker: true,
      max_workers: 2,
    });
    expect(stage?.status, stage?.error ?? "").toBe("SUCCESS");
    const dir = join(sharedRoot, "tasks", taskId, "nodes", "ffmpeg.split_audio_segments", "audio_segments");
    expect(stage?.output).toMatchObject({
      audio_segments_dir: dir,
      audio_source: long,
      subtitle_source: json,
      total_segments: 2,
      successful_segments: 2,
      failed_segments: 0,
      total_duration: 2.5,
      audio_format: "flac",
      sample_rate: 22_050,
      channels: 2,
      split_info_file: join(dir, "split_info.json"),
      segments_count: 2,
      speaker_summary: { SPEAKER_00: { count: 1, duration: 1 }, SPEAKER_01: { count: 1, duration: 1.5 } },
    });
    expect(typeof stage?.output?.["processing_time"]).toBe("number");
    const segments = stage?.output?.["segments"] as string[];
    expect(segments).toEqual([join(dir, "SPEAKER_00", "segment_000.flac"), join(dir, "SPEAKER_01", "segment_001.flac")]);
    const probes = await Promise.all(segments.map((segment) => probeMedia(segment)));
    for (const probe of probes) expect(probe.streams[0]).toMatchObject({ codec_name: "flac", sample_rate: "22050", channels: 2 });
    // The long entry is cut at max_segment_duration.
    expect(Number(probes[1]?.format.duration)).toBeCloseTo(1.5, 1);
    const info = JSON.parse(await readFile(join(dir, "split_info.json"), "utf8")) as { skipped_short: number; segments: unknown[] };
    expect(info.skipped_short).toBe(1);
    expect(info.segments).toHaveLength(2);
  });

  it("nodes refuse options they do not honour, never accept and ignore them", async () => {
    const split = await runNode("ffmpeg.split_audio_segments", { audio_path: video, include_silence: true });
    expect(split.stage?.status).toBe("FAILED");
    expect(split.stage?.error).toMatch(/include_silence/);
    const unknown = await runNode("ffmpeg.split_audio_segments", { audio_path: video, speed_up: 2 });
    expect(unknown.stage?.error).toMatch(/speed_up/);
    const archive = await runNode("ffmpeg.extract_keyframes", { video_path: video, keyframe_sample_count: 1, compress_keyframes_before_upload: true });
    expect(archive.stage?.status).toBe("FAILED");
    expect(archive.stage?.error).toMatch(/compress_keyframes_before_upload/);
    const compression = await runNode("ffmpeg.extract_keyframes", { video_path: video, keyframe_sample_count: 1, keyframe_compression_format: "zip" });
    expect(compression.stage?.error).toMatch(/keyframe_compression_format/);
  });

  it("ffmpeg.split_audio_segments refuses a subtitle file without timed entries", async () => {
    const empty = join(inputs, "empty.srt");
    await writeFile(empty, "no timings here\n");
    const { stage } = await runNode("ffmpeg.split_audio_segments", { audio_path: video, subtitle_path: empty });
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toMatch(/no timed entries/);
  });

  it("a node chains on its task: a fallback takes audio_path from ffmpeg.extract_audio's output", async () => {
    const taskId = `task-${randomUUID()}`;
    const audio = (await runNode("ffmpeg.extract_audio", { video_path: video }, taskId)).stage?.output?.["audio_path"];
    const { stage } = await runNode("ffmpeg.split_audio_segments", { segment_seconds: 1 }, taskId);
    expect(stage?.status, stage?.error ?? "").toBe("SUCCESS");
    expect(stage?.input_params).toMatchObject({ audio_path: audio, segment_seconds: 1 });
    expect(stage?.output?.["segment_count"]).toBe(2);
  });

  it("without the field and without a usable stage, the node fails naming both", async () => {
    const { stage } = await runNode("ffmpeg.split_audio_segments", {});
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toMatch(/input_data\.audio_path is missing.*ffmpeg\.extract_audio \(output audio_path: no such stage in this task\)/);
  });

  it("placeholders are replaced by the named stage's output when the node starts", async () => {
    const taskId = `task-${randomUUID()}`;
    const audio = (await runNode("ffmpeg.extract_audio", { video_path: video }, taskId)).stage?.output?.["audio_path"];
    const { stage } = await runNode("test.echo", { text: "${{ stages.ffmpeg.extract_audio.output.audio_path }}" }, taskId);
    expect(stage?.status, stage?.error ?? "").toBe("SUCCESS");
    expect(stage?.output?.["text"]).toBe(audio);

    const other = `task-${randomUUID()}`;
    await runNode("ffmpeg.extract_audio", { video_path: video }, other);
    const missing = await runNode("test.echo", { text: "${{ stages.ffmpeg.extract_audio.output.nothing }}" }, other);
    expect(missing.stage?.status).toBe("FAILED");
    expect(missing.stage?.error).toMatch(/output field nothing.*available fields: audio_path/);
  });

  it("ffmpeg.extract_keyframes fails a broken input with ffprobe's reason", async () => {
    const broken = join(inputs, "broken-video.mp4");
    await writeFile(broken, "not a video either");
    // `count` is the deprecated alias of keyframe_sample_count.
    const { stage } = await runNode("ffmpeg.extract_keyframes", { video_path: broken, count: 2 });
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toMatch(/Invalid data found when processing input/);
  });

  it("a broken input file fails the node with ffmpeg's own reason", async () => {
    const broken = join(inputs, "broken.mp4");
    await writeFile(broken, "this is not a video");
    const { state, stage } = await runNode("ffmpeg.extract_audio", { video_path: broken });
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toMatch(/Invalid data found when processing input/);
    expect(state.error).toMatch(/^ffmpeg\.extract_audio failed: /);
    expect(state.status).toBe("failed");
  });

  it("refuses inputs outside the input roots, through traversal or a symlink", async () => {
    const outside = join(root, "outside.mp4");
    await makeTestVideo(outside, 1);
    await symlink(outside, join(inputs, "link.mp4"));
    for (const path of [outside, join(inputs, "..", "outside.mp4"), join(inputs, "link.mp4")]) {
      const { stage } = await runNode("ffmpeg.extract_audio", { video_path: path });
      expect(stage?.status).toBe("FAILED");
      expect(stage?.error).toBe(`input file not found or not allowed: ${path}`);
    }
    // A missing file reads the same: the answer does not tell whether a file exists outside the roots.
    const missingPath = join(inputs, "missing.mp4");
    const missing = await runNode("ffmpeg.extract_audio", { video_path: missingPath });
    expect(missing.stage?.error).toBe(`input file not found or not allowed: ${missingPath}`);
    const missingOutside = join(root, "missing-outside.mp4");
    expect((await runNode("ffmpeg.extract_audio", { video_path: missingOutside })).stage?.error).toBe(`input file not found or not allowed: ${missingOutside}`);
  });

  it("downloads an http(s) input into the task's folder and runs on it", async () => {
    const { taskId, stage } = await runNode("ffmpeg.extract_audio", { video_path: `${mediaBase}/demo.mp4` });
    expect(stage?.status, stage?.error ?? "").toBe("SUCCESS");
    expect(await stat(join(sharedRoot, "tasks", taskId, "inputs", "demo.mp4"))).toBeTruthy();
    expect((await probeMedia(stage?.output?.["audio_path"] as string)).streams[0]).toMatchObject({ sample_rate: "16000", channels: 1 });
  });

  it.each([
    ["/big.bin", /over the 1000000-byte limit/],
    ["/endless.bin", /exceeds the 1000000-byte limit/],
    ["/slow.mp4", /took longer than 2000 ms/],
    ["/missing.mp4", /HTTP 404/],
  ])("refuses the download %s with a clear reason and leaves no partial file", async (path, reason) => {
    const { taskId, stage } = await runNode("ffmpeg.extract_audio", { video_path: `${mediaBase}${path}` });
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toMatch(reason);
    expect(await readdir(join(sharedRoot, "tasks", taskId, "inputs"))).toEqual([]);
  });

  it("refuses to download from a private address that is not allowed", async () => {
    const port = new URL(mediaBase).port;
    const { stage } = await runNode("ffmpeg.extract_audio", { video_path: `http://localhost:${port}/demo.mp4` });
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toMatch(/loopback, private or link-local/);
  });

  it("bad input_data fails the node naming the field, without running it", async () => {
    const { stage } = await runNode("ffmpeg.extract_audio", { video: "x" });
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toMatch(/video_path/);
  });

  it("a handler that throws fails its node, masks secrets, and the worker goes on", async () => {
    const { stage, state } = await runNode("test.explode", { api_key: "k-123", nested: { password: "p", keep: "visible" } });
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toBe("the handler exploded");
    expect(state.error).toBe("test.explode failed: the handler exploded");
    expect(stage?.input_params).toEqual({ api_key: "***", nested: { password: "***", keep: "visible" } });
    const raw = JSON.stringify(await redis.get(store.nodeKey(state.workflow_id, "test.explode")));
    expect(raw).not.toContain("k-123");
    const next = await runNode("test.echo", { text: "still alive" });
    expect(next.stage?.status).toBe("SUCCESS");
    expect(next.stage?.output).toEqual({
      text: "still alive",
      dir: join(sharedRoot, "tasks", next.taskId),
      seen: { status: "IN_PROGRESS", progress: 50 },
    });
    expect(next.stage?.["progress"]).toBe(100);
  });

  it("a playlist or concat list inside an input root cannot make ffmpeg read a file outside the roots", async () => {
    const direct = await runNode("ffmpeg.extract_audio", { video_path: outsideSegment });
    expect(direct.stage?.error).toBe(`input file not found or not allowed: ${outsideSegment}`);
    const playlist = join(inputs, "escape.m3u8");
    await writeFile(playlist, playlistOf(outsideSegment));
    const concat = join(inputs, "escape.ffconcat");
    await writeFile(concat, `ffconcat version 1.0\nfile '${outsideSegment}'\n`);
    for (const video_path of [playlist, concat, `${mediaBase}/escape.m3u8`]) {
      const { stage } = await runNode("ffmpeg.extract_audio", { video_path });
      expect(stage?.status, video_path).toBe("FAILED");
      expect(stage?.error, video_path).toMatch(/not on whitelist/);
    }
    // The same playlist without the whitelist does read the outside file: the test would catch a regression.
    const unrestricted = await promisify(execFile)("ffmpeg", ["-hide_banner", "-nostdin", "-i", playlist, "-f", "null", "-"]).then(() => true, () => false);
    expect(unrestricted).toBe(true);
  });

  it("a node past its time limit is aborted, its ffmpeg killed, and it ends FAILED 'timed out after …'", async () => {
    const marker = 1000 + Math.floor(Math.random() * 8000);
    const started = Date.now();
    const { stage, state } = await runNode("test.hang", { marker });
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toBe("timed out after 1.5 s");
    expect(state.error).toBe("test.hang failed: timed out after 1.5 s");
    expect(Date.now() - started).toBeLessThan(10_000);
    const { stdout } = await promisify(execFile)("pgrep", ["-f", `sine=frequency=${marker}:`]).catch(() => ({ stdout: "" }));
    expect(stdout.trim()).toBe("");
  });

  it("a handler that ignores its signal still ends FAILED at the limit", async () => {
    const { stage } = await runNode("test.stubborn", {});
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toBe("timed out after 0.3 s");
  });

  it("reads WF_NODE_TIMEOUT_MS, and defineNode refuses a nonsensical timeout", () => {
    expect(WorkerEnvSchema.parse({ WF_NODE_TIMEOUT_MS: "90000" }).WF_NODE_TIMEOUT_MS).toBe(90_000);
    expect(WorkerEnvSchema.parse({}).WF_NODE_TIMEOUT_MS).toBe(3_600_000);
    expect(() => defineNode({ name: "test.bad", input: z.object({}), timeoutMs: 0, run: async () => ({}) })).toThrow(/timeoutMs/);
  });

  it("a node reads its own task's files but not another task's, even under an input root", async () => {
    const mixed = await startWorker({
      nodes: [defineNode({ name: "peek.read", input: z.object({ path: z.string() }), run: async (input, ctx) => ({ real: await ctx.resolveInput(input.path) }) })],
      redis,
      sharedRoot,
      inputRoots: [sharedRoot], // the whole shared root, as the default is
      queuePrefix: prefix,
      logger: pino({ level: "silent" }),
    });
    try {
      const owner = `task-${randomUUID()}`;
      const audio = (await runNode("ffmpeg.extract_audio", { video_path: video }, owner)).stage?.output?.["audio_path"] as string;
      expect(audio.startsWith(join(sharedRoot, "tasks", owner))).toBe(true);
      const own = await runNode("peek.read", { path: audio }, owner);
      expect(own.stage?.status, own.stage?.error ?? "").toBe("SUCCESS");
      const other = await runNode("peek.read", { path: audio });
      expect(other.stage?.status).toBe("FAILED");
      expect(other.stage?.error).toBe(`input file not found or not allowed: ${audio}`);
      await writeFile(join(sharedRoot, "beside.txt"), "x");
      expect((await runNode("peek.read", { path: join(sharedRoot, "beside.txt") })).stage?.status).toBe("SUCCESS");
    } finally {
      await mixed.close();
    }
  });

  it("reads WF_CALLBACK_ATTEMPTS and WF_CALLBACK_BACKOFF_MS, as the gateway does", () => {
    const config = WorkerEnvSchema.parse({ WF_CALLBACK_ATTEMPTS: "7", WF_CALLBACK_BACKOFF_MS: "250" });
    expect([config.WF_CALLBACK_ATTEMPTS, config.WF_CALLBACK_BACKOFF_MS]).toEqual([7, 250]);
    expect(() => WorkerEnvSchema.parse({ WF_CALLBACK_ATTEMPTS: "0" })).toThrow();
  });

  it("masks secrets in stored input, error messages and the stage by the documented rule; the handler gets the real input", async () => {
    const url = "https://user:hunter2@127.0.0.1:1/v.mp4?token=T0KEN&X-Amz-Signature=S1G";
    const { stage, state } = await runNode("test.explode", { api_key: "k", nested: { password: "p", keep: url } });
    const stored = JSON.stringify(state);
    for (const secret of ["hunter2", "T0KEN", "S1G", '"k"', '"p"']) expect(stored).not.toContain(secret);
    expect(stage?.input_params).toMatchObject({ nested: { keep: "https://***:***@127.0.0.1:1/v.mp4?token=***&X-Amz-Signature=***" } });
    const download = await runNode("ffmpeg.extract_audio", { video_path: `${mediaBase}/missing.mp4?access_token=SECRET9` });
    expect(download.stage?.status).toBe("FAILED");
    expect(JSON.stringify(download.state)).not.toContain("SECRET9");
  });

  it("queues the callback of a finished node that asked for one, and only then", async () => {
    const callbacks = new Queue(CALLBACK_QUEUE, { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix });
    try {
      // The job carries the URL as the client sent it (state keeps it masked); so does the callback job.
      const url = "https://example.com/hook?api_key=K1";
      const { taskId } = await enqueueNode(store, queueFor("test"), "test.echo", { text: "x" }, { callbackUrl: url });
      const job = await waitFor(async () => (await callbacks.getJobs(["waiting"])).find((candidate) => candidate.data.task_id === taskId), 15_000, "the callback job");
      expect(job.data).toEqual({ task_id: taskId, task_name: "test.echo", callback_url: url });
      expect(job.opts.attempts).toBe(5);
      const without = await runNode("test.echo", { text: "no callback" });
      expect((await callbacks.getJobs(["waiting"])).some((candidate) => candidate.data.task_id === without.taskId)).toBe(false);
    } finally {
      await callbacks.close();
    }
  });

  it("records node duration by node and outcome, and serves it at /metrics", async () => {
    await runNode("test.echo", { text: "metrics" });
    const server = await serveMetrics(worker.metrics.registry, 0, "127.0.0.1");
    try {
      const address = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(text).toMatch(/wf_node_duration_seconds_count\{node="test.echo",outcome="SUCCESS"\} [1-9]/);
      expect(text).toMatch(/wf_node_duration_seconds_count\{node="test.explode",outcome="FAILED"\} [1-9]/);
      expect(text).toContain('wf_active_jobs{node="test.echo"} 0');
      expect((await fetch(`http://127.0.0.1:${address.port}/other`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("starts from the state a job hands over, and still runs nothing for a node that is gone", async () => {
    const { taskId, jobId } = await enqueueNode(store, queueFor("test"), "test.echo", { text: "handed over" }, { handOver: true });
    expect(await jobOutcome(jobId)).toBe("SUCCESS");
    expect((await store.getNodeState(taskId, "test.echo"))?.stages["test.echo"]).toMatchObject({ status: "SUCCESS", job_id: jobId, output: { text: "handed over" } });

    // The job carries a view, but its node was deleted before the worker took the job: the
    // attempt token of the first write refuses it, and nothing is recreated.
    const gone = `task-${randomUUID()}`;
    const goneJob = `${gone}.test.echo.1`;
    const view = { workflow_id: gone, status: "pending", input_params: { task_name: "test.echo", input_data: { text: "x" } }, stages: { "test.echo": { status: "PENDING", job_id: goneJob } } };
    await queueFor("test").add("test.echo", { task_id: gone, task_name: "test.echo", input_data: { text: "x" }, pending_view: view }, { jobId: goneJob });
    expect(await jobOutcome(goneJob)).toBe("SKIPPED");
    expect(await redis.exists(store.nodeKey(gone, "test.echo"))).toBe(0);
  });

  it("does not run a job whose node state is corrupt (its attempt cannot be proven), and counts it", async () => {
    const corruptCount = async (): Promise<number> =>
      Number(/wf_corrupt_node_states_total (\d+)/.exec(await worker.metrics.registry.metrics())?.[1]);
    const before = await corruptCount();
    const taskId = `task-${randomUUID()}`;
    await redis.set(store.nodeKey(taskId, "test.echo"), "{not json");
    const job = await queueFor("test").add("test.echo", { task_id: taskId, task_name: "test.echo", input_data: { text: "over corrupt" } });
    expect(await jobOutcome(job.id as string)).toBe("SKIPPED");
    expect(await redis.get(store.nodeKey(taskId, "test.echo"))).toBe("{not json");
    expect(await corruptCount()).toBeGreaterThanOrEqual(before + 1);
  });

  it("does not run a node that is already finished", async () => {
    const taskId = `task-${randomUUID()}`;
    const jobId = `${taskId}.test.echo.1`;
    await store.createWorkflowState({
      workflow_id: taskId,
      input_params: { task_name: "test.echo", input_data: { text: "x" } },
      stages: { "test.echo": { status: "CANCELLED", job_id: jobId } },
    });
    await queueFor("test").add("test.echo", { task_id: taskId, task_name: "test.echo", input_data: { text: "x" } }, { jobId });
    expect(await jobOutcome(jobId)).toBe("SKIPPED");
    expect((await store.getWorkflowState(taskId))?.stages["test.echo"]?.status).toBe("CANCELLED");
  });

  it("a job whose task was deleted never runs and never recreates a key", async () => {
    const taskId = `task-${randomUUID()}`;
    const job = await queueFor("test").add("test.echo", { task_id: taskId, task_name: "test.echo", input_data: { text: "x" } });
    expect(await jobOutcome(job.id as string)).toBe("SKIPPED");
    expect(await redis.exists(store.nodeKey(taskId, "test.echo"), store.keys.indexKey(taskId))).toBe(0);
  });

  it("a finished attempt leaves the reconciler's watch, whatever its outcome; other attempts' entries stay", async () => {
    // The gateway's set, scoped by the queue prefix the worker shares.
    const active = createActiveNodes({ redis, scope: prefix });
    const watched = async (taskId: string) => (await active.due(Date.now(), 100_000)).filter((entry) => entry.taskId === taskId);
    const succeeded = await enqueueNode(store, queueFor("test"), "test.echo", { text: "watched" }, { active });
    const failed = await enqueueNode(store, queueFor("test"), "test.explode", { api_key: "k", nested: { password: "p", keep: "x" } }, { active });
    await active.add(failed.taskId, "test.explode", Date.now(), "an-attempt-that-replaced-it");
    // A job whose node is gone ends SKIPPED: its attempt is over too.
    const gone = `task-${randomUUID()}`;
    await active.add(gone, "test.echo", Date.now(), `${gone}.test.echo.1`);
    await queueFor("test").add("test.echo", { task_id: gone, task_name: "test.echo", input_data: { text: "x" } }, { jobId: `${gone}.test.echo.1` });

    expect(await jobOutcome(succeeded.jobId)).toBe("SUCCESS");
    expect(await jobOutcome(failed.jobId)).toBe("FAILED");
    expect(await jobOutcome(`${gone}.test.echo.1`)).toBe("SKIPPED");
    await waitFor(async () => ((await watched(succeeded.taskId)).length === 0 && (await watched(gone)).length === 0 ? true : undefined), 5_000, "the finished attempts to leave the set");
    expect(await watched(failed.taskId)).toEqual([{ taskId: failed.taskId, taskName: "test.explode", attempt: "an-attempt-that-replaced-it" }]);
  });

  it("a job of a replaced attempt does not run, and its late writes are refused", async () => {
    const taskId = `task-${randomUUID()}`;
    const old = await enqueueNode(store, queueFor("test"), "test.echo", { text: "first" }, { taskId });
    await waitFor(async () => ((await store.getWorkflowState(taskId))?.stages["test.echo"]?.status === "SUCCESS" ? true : undefined));
    const current = await enqueueNode(store, queueFor("test"), "test.echo", { text: "second" }, { taskId });
    await waitFor(async () => ((await store.getWorkflowState(taskId))?.stages["test.echo"]?.output?.["text"] === "second" ? true : undefined));
    const view = await store.getNodeState(taskId, "test.echo");
    if (!view) throw new Error("the node should exist");
    const late = await store.updateWorkflowState({ ...view, stages: { "test.echo": { status: "FAILED", error: "late" } } }, { attempt: old.jobId });
    expect(late).toMatchObject({ written: false, reason: "SUPERSEDED" });
    // The old job itself, run again, is skipped.
    await queueFor("test").add("test.echo", { task_id: taskId, task_name: "test.echo", input_data: { text: "first" } }, { jobId: `${old.jobId}-again` });
    expect(await jobOutcome(`${old.jobId}-again`)).toBe("SKIPPED");
    expect((await store.getNodeState(taskId, "test.echo"))?.stages["test.echo"]).toMatchObject({ status: "SUCCESS", job_id: current.jobId });
  });
});
