// Object storage end to end, as real processes on a real S3-protocol server (s3rver): a client
// with HTTP only uploads its video, runs nodes on it and downloads the results; a pipeline runs
// on two workers with no disk in common; team scoping; delete cleaning the store; the store down.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, openAsBlob } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createWfClient, isWfApiError } from "@wf/client";
import { freePort, makeTestVideo, startS3Server, waitFor, type S3ServerHandle } from "@wf/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appEntry, startApp, startScript, type AppProcess } from "./processes.js";

const STORE_WORKER = join(import.meta.dirname, "..", "fixtures", "store-worker", "worker.mjs");
const UPLOAD_LIMIT = 150 * 1024 * 1024;

let s3: S3ServerHandle;
let rootA: string;
let rootB: string;
let scratch: string;
let video: string;
let base: string;
let gateway: AppProcess;
let workerA: AppProcess;
let workerB: AppProcess;
const keys: Record<string, string> = {};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sha = (data: Buffer | Uint8Array): string => createHash("sha256").update(data).digest("hex");

async function call(path: string, team: string, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${keys[team]}`, ...((init.headers as Record<string, string>) ?? {}) };
  if (typeof init.body === "string") headers["content-type"] = "application/json";
  return fetch(`${base}${path}`, { ...init, headers });
}

async function json(path: string, team: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await call(path, team, init);
  return { status: response.status, body: (await response.json()) as Json };
}

async function upload(team: string, filePath: string, source: string, query = ""): Promise<{ status: number; body: Json }> {
  const form = new FormData();
  form.append("file", await openAsBlob(source), source.split("/").pop());
  return json(`/v1/files/upload?file_path=${encodeURIComponent(filePath)}${query}`, team, { method: "POST", body: form });
}

async function createTask(team: string, body: Json): Promise<string> {
  const created = await json("/v1/tasks", team, { method: "POST", body: JSON.stringify(body) });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body["task_id"] as string;
}

async function finished(team: string, taskId: string): Promise<Json> {
  return waitFor(async () => {
    const { body } = await json(`/v1/tasks/${taskId}/status`, team);
    return ["completed", "failed", "cancelled"].includes(body["status"]) ? body : undefined;
  }, 60_000, `task ${taskId} to finish (${workerA.output().slice(-2000)} ${workerB.output().slice(-1000)})`);
}

async function stages(team: string, taskId: string): Promise<Json> {
  return (await json(`/v1/tasks/${taskId}/result`, team)).body["context"];
}

async function download(team: string, key: string, headers: Record<string, string> = {}): Promise<{ status: number; data: Buffer; headers: Headers }> {
  const response = await call(`/v1/files/download/${key.split("/").map(encodeURIComponent).join("/")}`, team, { headers });
  return { status: response.status, data: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

/** The object key of a `<field>_minio_url` (path-style: `<endpoint>/<bucket>/<key>`). */
const keyOf = (url: string): string => decodeURIComponent(new URL(url).pathname.split("/").slice(2).join("/"));

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["yivideo", "media-in"] });
  rootA = await mkdtemp(join(tmpdir(), "wf-e2e-store-a-"));
  rootB = await mkdtemp(join(tmpdir(), "wf-e2e-store-b-"));
  scratch = await mkdtemp(join(tmpdir(), "wf-e2e-store-client-"));
  video = await makeTestVideo(join(scratch, "demo.mp4"), 2);
  await mkdir(join(rootA, "inputs"));
  await makeTestVideo(join(rootA, "inputs", "local.mp4"), 1);
  const entries = [];
  for (const [team, role] of [["team-a", "member"], ["team-b", "member"], ["ops", "admin"]] as const) {
    const { stdout } = await promisify(execFile)(process.execPath, [appEntry("@wf/gateway"), "keys", "create", "--team", team, "--role", role]);
    keys[team] = /^(wf_\S+)$/m.exec(stdout)?.[1] as string;
    entries.push(JSON.parse(stdout.slice(stdout.indexOf("{"))));
  }
  const keysFile = join(scratch, "keys.json");
  await writeFile(keysFile, JSON.stringify(entries));
  const store = { ...s3.minioEnv(), WF_S3_ALLOWED_BUCKETS: "media-in" };
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  gateway = startApp("@wf/gateway", { ...store, REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: rootA, PORT: String(port), WF_API_KEYS_FILE: keysFile, WF_FILE_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT) });
  workerA = startApp("@wf/worker", { ...store, REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: rootA, WF_METRICS_PORT: "0" });
  workerB = startScript(STORE_WORKER, { ...store, REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: rootB });
  await waitFor(async () => {
    const { body } = await json("/v1/tasks/supported-tasks", "ops").catch(() => ({ body: {} as Json }));
    return (body["supported_tasks"]?.["ffmpeg"]?.includes("ffmpeg.extract_audio") && body["supported_tasks"]?.["media"]?.includes("media.checksum")) || undefined;
  }, 30_000, `the apps (${gateway.output()} ${workerA.output()} ${workerB.output()})`);
}, 60_000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), workerA?.stop(), workerB?.stop()]);
  await s3?.stop();
  await Promise.all([rootA, rootB, scratch].map((dir) => dir && rm(dir, { recursive: true, force: true })));
});

/** Starts an app with `env` and resolves with its exit code and output once it exits (within 20 s). */
async function exitOf(pkg: "@wf/gateway" | "@wf/worker", env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const app = startApp(pkg, { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: scratch, PORT: String(port), WF_METRICS_PORT: "0", ...env });
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pkg} did not exit: ${app.output()}`)), 20_000);
    app.child.once("exit", (exitCode) => (clearTimeout(timer), resolve(exitCode)));
  });
  return { code, output: app.output() };
}

describe("object store settings at start-up", () => {
  it("a half-configuration, wrong credentials or an unreachable store: the apps refuse to start, saying why", async () => {
    for (const pkg of ["@wf/gateway", "@wf/worker"] as const) {
      const half = await exitOf(pkg, { MINIO_HOST: "127.0.0.1" });
      expect(half.code).toBe(2);
      expect(half.output).toMatch(/MINIO_ACCESS_KEY, MINIO_SECRET_KEY/);
      const wrong = await exitOf(pkg, { ...s3.minioEnv(), MINIO_ACCESS_KEY: "NOT-A-KEY" });
      expect(wrong.code).toBe(2);
      expect(wrong.output).toMatch(/refused the credentials/);
      const unreachable = await exitOf(pkg, { ...s3.minioEnv(), MINIO_PORT: String(await freePort()) });
      expect(unreachable.code).toBe(2);
      expect(unreachable.output).toMatch(/object store is unavailable|did not answer/);
    }
  }, 120_000);
});

describe("object storage, end to end", () => {
  let uploadedKey: string;
  let audioTask: string;

  it("a client with HTTP only uploads its video, runs a node on it and downloads the result", async () => {
    const uploaded = await upload("team-a", "videos/demo.mp4", video);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
    expect(uploaded.body).toMatchObject({ file_path: "teams/team-a/videos/demo.mp4", bucket: "yivideo", size: (await stat(video)).size, content_type: "video/mp4" });
    uploadedKey = uploaded.body["file_path"];
    const presigned = await fetch(uploaded.body["download_url"]);
    expect(sha(Buffer.from(await presigned.arrayBuffer()))).toBe(sha(await readFile(video)));

    audioTask = await createTask("team-a", { task_name: "ffmpeg.extract_audio", input_data: { video_path: `s3://yivideo/${uploadedKey}` } });
    const status = await finished("team-a", audioTask);
    expect(status["status"], JSON.stringify(status)).toBe("completed");
    const output = status["result"]["output"];
    expect(output["audio_path_minio_url"]).toMatch(new RegExp(`^${s3.endpoint}/yivideo/${audioTask}/nodes/ffmpeg\\.extract_audio/`));
    expect(status["minio_files"]).toEqual([{ name: expect.stringMatching(/\.wav$/), url: output["audio_path_minio_url"], type: "audio/wav", size: (await stat(output["audio_path"])).size }]);

    const back = await download("team-a", keyOf(output["audio_path_minio_url"]));
    expect(back.status).toBe(200);
    expect(back.headers.get("content-type")).toBe("audio/wav");
    expect(sha(back.data)).toBe(sha(await readFile(output["audio_path"])));
    const part = await download("team-a", keyOf(output["audio_path_minio_url"]), { range: "bytes=0-3" });
    expect(part.status).toBe(206);
    expect(part.data.toString()).toBe("RIFF");
    expect(part.headers.get("content-range")).toMatch(new RegExp(`^bytes 0-3/${back.data.length}$`));
  });

  it("uploads every file of every built-in node's output, folders file by file", async () => {
    const taskId = await createTask("team-a", {
      nodes: [
        { task_name: "ffmpeg.extract_audio", input_data: { video_path: `s3://yivideo/${uploadedKey}` } },
        { task_name: "ffmpeg.extract_keyframes", input_data: { video_path: `s3://yivideo/${uploadedKey}`, keyframe_sample_count: 3 } },
        { task_name: "ffmpeg.split_audio_segments", input_data: { audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}", segment_seconds: 1 } },
      ],
    });
    expect((await finished("team-a", taskId))["status"]).toBe("completed");
    const task = await stages("team-a", taskId);
    const keyframes = task["stages"]["ffmpeg.extract_keyframes"]["output"];
    expect(keyframes["keyframe_dir_minio_url"]).toMatch(/\/nodes\/ffmpeg\.extract_keyframes\/keyframes\/$/);
    expect(keyframes["frames_minio_urls"]).toHaveLength(3);
    for (const [index, url] of (keyframes["frames_minio_urls"] as string[]).entries()) {
      const frame = await download("team-a", keyOf(url));
      expect(sha(frame.data)).toBe(sha(await readFile(keyframes["frames"][index])));
    }
    const split = task["stages"]["ffmpeg.split_audio_segments"]["output"];
    expect(split["audio_segments_dir_minio_url"]).toMatch(/\/nodes\/ffmpeg\.split_audio_segments\/audio_segments\/$/);
    const pieces = await json(`/v1/files/list/${keyOf(split["audio_segments_dir_minio_url"])}`, "team-a");
    expect(pieces.body["files"].map((file: Json) => file["file_path"].split("/").pop()).sort()).toEqual((await readdir(split["audio_segments_dir"])).sort());
    for (const piece of pieces.body["files"] as Json[]) {
      const local = join(split["audio_segments_dir"], piece["file_path"].split("/").pop());
      expect(sha((await download("team-a", piece["file_path"])).data)).toBe(sha(await readFile(local)));
    }
    expect(split["split_info_file_minio_url"]).toMatch(/split_info\.json$/);
    const info = await download("team-a", keyOf(split["split_info_file_minio_url"]));
    expect(JSON.parse(info.data.toString())).toEqual(JSON.parse(await readFile(split["split_info_file"], "utf8")));
    const listed = await json(`/v1/files/list/${taskId}/nodes/ffmpeg.extract_keyframes/`, "team-a");
    expect(listed.body["files"].map((file: Json) => file["file_path"].split("/").pop())).toEqual(["frame_000.jpg", "frame_001.jpg", "frame_002.jpg"]);
    const status = await json(`/v1/tasks/${taskId}/status`, "team-a");
    expect(status.body["minio_files"].length).toBeGreaterThanOrEqual(1 + 3 + 1);
  });

  it("runs a pipeline on two workers that share no disk: the second fetches the first one's file from the store", async () => {
    const taskId = await createTask("team-a", {
      nodes: [
        { task_name: "ffmpeg.extract_audio", input_data: { video_path: `s3://yivideo/${uploadedKey}` } },
        { task_name: "media.checksum", input_data: { file: "${{ stages.ffmpeg.extract_audio.output.audio_path }}" } },
      ],
    });
    expect((await finished("team-a", taskId))["status"]).toBe("completed");
    const task = await stages("team-a", taskId);
    const audioPath = task["stages"]["ffmpeg.extract_audio"]["output"]["audio_path"] as string;
    const checksum = task["stages"]["media.checksum"]["output"];
    expect(audioPath.startsWith(rootA)).toBe(true);
    expect(checksum["local_path"].startsWith(rootB)).toBe(true);
    expect(checksum).toMatchObject({ sha256: sha(await readFile(audioPath)), size: (await stat(audioPath)).size });
  });

  it("streams a 100 MB upload and refuses bad paths, other buckets and files over the limit", async () => {
    const big = join(scratch, "big.bin");
    const data = randomBytes(100 * 1024 * 1024);
    await new Promise<void>((resolve, reject) => createWriteStream(big).on("error", reject).end(data, resolve));
    const uploaded = await upload("team-a", "big/big.bin", big);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
    expect(uploaded.body["size"]).toBe(data.length);
    const back = await download("team-a", uploaded.body["file_path"]);
    expect(sha(back.data)).toBe(sha(data));

    const small = join(scratch, "small.txt");
    await writeFile(small, "hello");
    expect((await upload("team-a", "../escape.txt", small)).body["error"]["code"]).toBe("OBJECT_KEY_INVALID");
    expect((await upload("team-a", "/abs.txt", small)).status).toBe(400);
    const otherBucket = await upload("team-a", "x.txt", small, "&bucket=secrets");
    expect([otherBucket.status, otherBucket.body["error"]["code"]]).toEqual([403, "BUCKET_NOT_ALLOWED"]);
    expect((await upload("team-a", "in/x.txt", small, "&bucket=media-in")).status).toBe(200);
    const overLimit = join(scratch, "over.bin");
    await writeFile(overLimit, randomBytes(UPLOAD_LIMIT + 10));
    const refused = await upload("team-a", "over/over.bin", overLimit);
    expect([refused.status, refused.body["error"]["code"]]).toEqual([413, "FILE_TOO_LARGE"]);
    expect((await json("/v1/files/exists/over/over.bin", "team-a")).body["exists"]).toBe(false);
    await rm(overLimit);
  });

  it("@wf/client uploads, runs on the upload, lists and downloads the result", async () => {
    const wf = createWfClient({ baseUrl: base, apiKey: keys["team-a"] as string });
    const uploaded = await wf.uploadFile("client/demo.mp4", await openAsBlob(video));
    expect(uploaded.file_path).toBe("teams/team-a/client/demo.mp4");
    const created = await wf.create({ task_name: "ffmpeg.extract_audio", input_data: { video_path: `s3://${uploaded.bucket}/${uploaded.file_path}` } });
    const done = await wf.waitFor(created.task_id, { timeoutMs: 30_000 });
    const url = (done.result?.output as Json)["audio_path_minio_url"] as string;
    expect((await wf.listFiles(`${created.task_id}/`)).files.map((file) => file.file_path)).toEqual([keyOf(url)]);
    const part = await wf.downloadFile(keyOf(url), { range: "bytes=0-3" });
    expect([part.status, await part.text()]).toEqual([206, "RIFF"]);
    const missing = await wf.downloadFile("client/none.mp4").catch((error: unknown) => error);
    expect(isWfApiError(missing, "OBJECT_NOT_FOUND")).toBe(true);
    expect((await wf.deleteFile("client/demo.mp4")).success).toBe(true);
  });

  it("lets a team reach only its own files and its own tasks' objects", async () => {
    const theirs = keyOf((await stages("team-a", audioTask))["stages"]["ffmpeg.extract_audio"]["output"]["audio_path_minio_url"]);
    expect((await download("team-b", uploadedKey)).status).toBe(404);
    expect((await download("team-b", theirs)).status).toBe(404);
    expect((await download("team-b", "videos/demo.mp4")).status).toBe(404); // its own folder has no such file
    expect((await download("team-a", "videos/demo.mp4")).status).toBe(200); // a path outside teams/ is taken in the team's own folder
    expect((await download("ops", theirs)).status).toBe(200);
    expect((await json(`/v1/files/${uploadedKey}`, "team-b", { method: "DELETE" })).status).toBe(404);
    const borrowed = await json("/v1/tasks", "team-b", { method: "POST", body: JSON.stringify({ task_name: "ffmpeg.extract_audio", input_data: { video_path: `s3://yivideo/${uploadedKey}` } }) });
    expect([borrowed.status, borrowed.body["error"]["code"]]).toEqual([403, "INPUT_NOT_ALLOWED"]);
    const traversal = await json("/v1/tasks", "team-a", { method: "POST", body: JSON.stringify({ task_name: "ffmpeg.extract_audio", input_data: { video_path: "s3://yivideo/teams/team-a/../team-b/x.mp4" } }) });
    expect([traversal.status, traversal.body["error"]["code"]]).toEqual([400, "INVALID_INPUT_REFERENCE"]);
    const listing = await json("/v1/files/list", "team-b");
    expect(listing.body).toMatchObject({ prefix: "teams/team-b/", total_count: 0 });
    const own = await json("/v1/files/list", "team-a");
    expect(own.body["files"].every((file: Json) => file["file_path"].startsWith("teams/team-a/"))).toBe(true);
    expect(own.body["total_count"]).toBeGreaterThanOrEqual(2);
  });

  it("lists a task's folder as a folder: task-x/ never shows task-x0/", async () => {
    const id = `task-prefix-${randomBytes(4).toString("hex")}`;
    for (const taskId of [id, `${id}0`]) {
      await createTask("team-a", { task_id: taskId, task_name: "ffmpeg.extract_audio", input_data: { video_path: join(rootA, "inputs", "local.mp4") } });
      expect((await finished("team-a", taskId))["status"]).toBe("completed");
    }
    for (const prefix of [`${id}/`, id]) {
      const listed = await json(`/v1/files/list/${prefix}`, "team-a");
      expect(listed.body["files"].map((file: Json) => file["file_path"].split("/")[0]), prefix).toEqual([id]);
    }
    expect((await json(`/v1/files/list/${id}/`, "ops")).body["files"].map((file: Json) => file["file_path"].split("/")[0])).toEqual([id]);
    expect((await json(`/v1/files/list/${id}/`, "team-b")).status).toBe(404); // another team's task, as if there were none
  });

  it("delete removes every object of the task, and only those", async () => {
    const other = await createTask("team-a", { task_name: "ffmpeg.extract_audio", input_data: { video_path: `s3://yivideo/${uploadedKey}` } });
    expect((await finished("team-a", other))["status"]).toBe("completed");
    const before = await json(`/v1/files/list/${audioTask}/`, "team-a");
    expect(before.body["total_count"]).toBeGreaterThanOrEqual(1);
    const deleted = await json(`/v1/tasks/${audioTask}/delete`, "team-a", { method: "POST" });
    expect(deleted.body["results"]).toContainEqual({
      resource: "minio",
      status: "deleted",
      message: `removed ${before.body["total_count"]} object(s) under yivideo/${audioTask}/`,
      retriable: null,
      details: { bucket: "yivideo", prefix: `${audioTask}/`, objects: before.body["total_count"] },
    });
    expect((await json(`/v1/files/list/${audioTask}/`, "ops")).body["total_count"]).toBe(0);
    expect((await json(`/v1/files/list/${other}/`, "team-a")).body["total_count"]).toBeGreaterThanOrEqual(1);
    expect((await json(`/v1/files/exists/${uploadedKey}`, "team-a")).body["exists"]).toBe(true);
  });

  it("keeps a request's outputs off the store when it says so", async () => {
    const taskId = await createTask("team-a", { task_name: "ffmpeg.extract_audio", upload_outputs: false, input_data: { video_path: join(rootA, "inputs", "local.mp4") } });
    const status = await finished("team-a", taskId);
    expect(status["status"]).toBe("completed");
    expect(status["result"]["output"]["audio_path_minio_url"]).toBeUndefined();
    expect(status["minio_files"]).toBeNull();
    expect((await json(`/v1/files/list/${taskId}/`, "team-a")).body["total_count"]).toBe(0);
  });

  it("deletes a task's local folder through /v1/files/directories, only a team's own", async () => {
    const taskId = await createTask("team-a", { task_name: "ffmpeg.extract_audio", upload_outputs: false, input_data: { video_path: join(rootA, "inputs", "local.mp4") } });
    await finished("team-a", taskId);
    const folder = join(rootA, "tasks", taskId);
    const query = `/v1/files/directories?directory_path=${encodeURIComponent(folder)}`;
    expect((await json(query, "team-b", { method: "DELETE" })).status).toBe(403);
    expect((await json(`/v1/files/directories?directory_path=${encodeURIComponent(rootA)}`, "ops", { method: "DELETE" })).status).toBe(403);
    expect((await json(`/v1/files/directories?directory_path=${encodeURIComponent("/etc")}`, "ops", { method: "DELETE" })).status).toBe(403);
    const done = await json(query, "team-a", { method: "DELETE" });
    expect(done.body).toMatchObject({ success: true, file_path: folder });
    await expect(stat(folder)).rejects.toThrow();
  });

  it("a store that is down fails the upload with a clear reason, reports nothing half-done, and a retry succeeds once it is back", async () => {
    await s3.kill();
    try {
      const health = await fetch(`${base}/v1/tasks/health`);
      const body = (await health.json()) as Json;
      expect(health.status).toBe(200);
      expect(body).toMatchObject({ status: "degraded", redis: "up", minio_service: expect.stringMatching(/^unhealthy: /) });
      const taskId = await createTask("team-a", { task_name: "ffmpeg.extract_audio", input_data: { video_path: join(rootA, "inputs", "local.mp4") } });
      const status = await finished("team-a", taskId);
      expect(status["status"]).toBe("failed");
      expect(status["result"]["error"]).toMatch(/^uploading output nodes\/ffmpeg\.extract_audio\/.+\.wav to the object store failed: .*object store is unavailable/);
      expect(status["result"]["output"]).toEqual({});
      expect(status["minio_files"]).toBeNull();
      await s3.start();
      const retried = await json(`/v1/tasks/${taskId}/retry`, "team-a", { method: "POST" });
      const again = await finished("team-a", retried.body["task_id"]);
      expect(again["status"]).toBe("completed");
      expect(again["result"]["output"]["audio_path_minio_url"]).toContain(`/yivideo/${retried.body["task_id"]}/nodes/ffmpeg.extract_audio/`);
      expect((await fetch(`${base}/v1/tasks/health`).then((r) => r.json()) as Json)["status"]).toBe("healthy");
    } finally {
      await s3.start().catch(() => undefined);
    }
  });

  it("the store killed mid-upload fails the node with the reason, leaves no object, and a retry uploads it", async () => {
    const taskId = await createTask("team-a", { task_name: "media.make_file", input_data: { mb: 600 } });
    const folder = join(rootB, "tasks", taskId, "nodes", "media.make_file", "big.bin");
    // The file is written in about a second; its upload takes several: kill the store once the file is whole.
    await waitFor(async () => ((await stat(folder).catch(() => undefined))?.size === 600 * 1024 * 1024 || undefined), 30_000, "the node's file");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await s3.kill();
    try {
      const status = await finished("team-a", taskId);
      expect(status["status"]).toBe("failed");
      expect(status["result"]["error"]).toMatch(/^uploading output nodes\/media\.make_file\/big\.bin to the object store failed: /);
      expect(status["minio_files"]).toBeNull();
    } finally {
      await s3.start();
    }
    expect((await json(`/v1/files/exists/${taskId}/nodes/media.make_file/big.bin`, "team-a")).body["exists"]).toBe(false);
    const retried = await json(`/v1/tasks/${taskId}/retry`, "team-a", { method: "POST" });
    const again = await finished("team-a", retried.body["task_id"]);
    expect(again["status"]).toBe("completed");
    expect(again["minio_files"]).toEqual([expect.objectContaining({ name: "big.bin", size: 600 * 1024 * 1024 })]);
  }, 120_000);
});
