import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, makeTestVideo, probeMedia, waitFor } from "@wf/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startApp, type AppProcess } from "./processes.js";

// Nodes chained on one task through the real apps, as clients of the original run them:
// extract the audio, then split it with no audio_path (fallback) or with a placeholder.

interface Stage {
  status: string;
  output: Record<string, unknown> | null;
  error: string | null;
  input_params: Record<string, unknown> | null;
}
interface ResultBody {
  status: string;
  result: { task_name: string; status: string } | null;
  context: { workflow_id: string; stages: Record<string, Stage> };
}

let root: string;
let base: string;
let video: string;
let gateway: AppProcess;
let worker: AppProcess;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wf-e2e-chain-"));
  await mkdir(join(root, "inputs"), { recursive: true });
  video = await makeTestVideo(join(root, "inputs", "demo.mp4"), 3);
  const port = await freePort();
  const env = { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: root };
  gateway = startApp("@wf/gateway", { ...env, PORT: String(port), HOST: "127.0.0.1" });
  worker = startApp("@wf/worker", { ...env, WF_METRICS_PORT: "0" });
  base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const response = await fetch(`${base}/v1/tasks/supported-tasks`).catch(() => undefined);
      const body = response?.ok ? ((await response.json()) as { supported_tasks: Record<string, string[]> }) : undefined;
      // This worker's own nodes: a worker killed by an earlier file stays registered for a while.
      return (worker.output().includes("worker started") && (body?.supported_tasks["ffmpeg"]?.length ?? 0) >= 3) || undefined;
    },
    20_000,
    `the gateway and the worker's nodes (gateway: ${gateway?.output()} worker: ${worker?.output()})`,
  );
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), worker?.stop()]);
  await rm(root, { recursive: true, force: true });
});

async function run(taskName: string, taskId: string | null, inputData: Record<string, unknown>): Promise<Stage> {
  const response = await fetch(`${base}/v1/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task_name: taskName, task_id: taskId, callback: null, input_data: inputData }),
  });
  const created = (await response.json()) as { task_id: string; status: string };
  expect(response.status, JSON.stringify(created)).toBe(200);
  return waitFor(async () => {
    const body = (await (await fetch(`${base}/v1/tasks/${created.task_id}/result`)).json()) as ResultBody;
    const stage = body.context.stages[taskName];
    return stage && (stage.status === "SUCCESS" || stage.status === "FAILED") ? stage : undefined;
  }, 60_000, `${taskName} on ${created.task_id} to finish (worker: ${worker.output()})`);
}

const result = async (taskId: string) => (await (await fetch(`${base}/v1/tasks/${taskId}/result`)).json()) as ResultBody;
const status = async (taskId: string) => (await (await fetch(`${base}/v1/tasks/${taskId}/status`)).json()) as Omit<ResultBody, "context">;

describe("end to end: nodes chained on one task", () => {
  it("extract_audio then split_audio_segments by fallback and by placeholder, then extract_keyframes", async () => {
    const t = `task-chain-${Date.now()}`;
    const t2 = `${t}-2`;
    const audioT = (await run("ffmpeg.extract_audio", t, { video_path: video })).output?.["audio_path"];
    const audioT2 = (await run("ffmpeg.extract_audio", t2, { video_path: video })).output?.["audio_path"];
    expect(audioT).toBe(join(root, "tasks", t, "nodes", "ffmpeg.extract_audio", "demo.wav"));

    const byFallback = await run("ffmpeg.split_audio_segments", t, {});
    expect(byFallback.status, byFallback.error ?? "").toBe("SUCCESS");
    expect(byFallback.input_params?.["audio_path"]).toBe(audioT);
    const byPlaceholder = await run("ffmpeg.split_audio_segments", t2, {
      audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}",
      segment_seconds: 1,
    });
    expect(byPlaceholder.status, byPlaceholder.error ?? "").toBe("SUCCESS");
    expect(byPlaceholder.input_params?.["audio_path"]).toBe(audioT2);
    expect(byPlaceholder.output?.["segment_count"]).toBe(3);
    const segmentsDir = byPlaceholder.output?.["audio_segments_dir"] as string;
    expect(segmentsDir).toBe(join(root, "tasks", t2, "nodes", "ffmpeg.split_audio_segments", "audio_segments"));
    expect((await probeMedia(join(segmentsDir, "segment_000.wav"))).streams[0]).toMatchObject({ codec_name: "pcm_s16le", sample_rate: "16000" });

    const keyframes = await run("ffmpeg.extract_keyframes", t, { video_path: video, keyframe_sample_count: 3 });
    expect(keyframes.status, keyframes.error ?? "").toBe("SUCCESS");
    expect((await readdir(keyframes.output?.["keyframe_dir"] as string)).sort()).toEqual(["frame_000.jpg", "frame_001.jpg", "frame_002.jpg"]);

    const full = await result(t);
    expect(Object.keys(full.context.stages).sort()).toEqual(["ffmpeg.extract_audio", "ffmpeg.extract_keyframes", "ffmpeg.split_audio_segments"]);
    expect(Object.values(full.context.stages).map((stage) => stage.status)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    const newest = await status(t);
    expect(newest).toMatchObject({ status: "completed", result: { task_name: "ffmpeg.extract_keyframes", status: "SUCCESS" } });
    expect(full.result).toEqual(newest.result);
  });

  it("a placeholder naming a missing field fails the node, naming the available fields", async () => {
    const t = `task-chain-missing-${Date.now()}`;
    await run("ffmpeg.extract_audio", t, { video_path: video });
    const failed = await run("ffmpeg.split_audio_segments", t, { audio_path: "${{ stages.ffmpeg.extract_audio.output.wav }}" });
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatch(/output field wav.*available fields: audio_path/);
  });
});
