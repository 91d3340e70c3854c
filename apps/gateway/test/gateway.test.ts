import { randomUUID } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
let queue: Queue;

beforeAll(async () => {
  h = await startHarness(inject("redisUrl"));
  queue = h.ffmpegQueue;
});
afterAll(async () => {
  await h?.close();
});

const newId = () => `task-${randomUUID()}`;
const post = (url: string, body: unknown) => h.app.inject({ method: "POST", url, payload: body as object });
const createBody = (taskId?: string) => ({
  task_name: "ffmpeg.extract_audio",
  ...(taskId ? { task_id: taskId } : {}),
  input_data: { video_path: "/share/workflows/inputs/demo.mp4", api_key: "secret-1" },
});

async function setStage(taskId: string, status: string, output: Record<string, unknown> | null = null) {
  await h.store.createWorkflowState({
    workflow_id: taskId,
    create_at: "2026-01-29T00:00:00",
    status: status === "SUCCESS" ? "completed" : status === "FAILED" ? "failed" : status === "IN_PROGRESS" ? "running" : "pending",
    input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/x.mp4" } },
    stages: { "ffmpeg.extract_audio": { status, output, error: null, duration: 1 } },
  });
}

describe("POST /v1/tasks", () => {
  it("writes the node as pending, enqueues it on ffmpeg_queue, and answers pending", async () => {
    const taskId = newId();
    const response = await post("/v1/tasks", createBody(taskId));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ task_id: taskId, status: "pending", message: "task is queued" });
    const stored = await h.store.getWorkflowState(taskId);
    expect(stored?.stages["ffmpeg.extract_audio"]?.status).toBe("PENDING");
    expect(stored?.shared_storage_path).toBe(join(h.sharedRoot, "tasks", taskId));
    expect(JSON.stringify(stored)).not.toContain("secret-1");
    const jobs = await queue.getJobs(["waiting"]);
    const job = jobs.find((candidate) => candidate.data.task_id === taskId);
    expect(job?.name).toBe("ffmpeg.extract_audio");
    expect(job?.data.input_data).toEqual(createBody(taskId).input_data);
  });

  it("generates a task-<uuid> id when none is given", async () => {
    const response = await post("/v1/tasks", createBody());
    expect(response.json().task_id).toMatch(/^task-[0-9a-f-]{36}$/);
  });

  it("reuses a completed node: completed, reuse_info and the single-node result, nothing enqueued", async () => {
    const taskId = newId();
    await setStage(taskId, "SUCCESS", { audio_path: "/a.wav" });
    const before = await queue.count();
    const body = (await post("/v1/tasks", createBody(taskId))).json();
    expect(body).toMatchObject({
      task_id: taskId,
      status: "completed",
      reuse_info: { reuse_hit: true, task_name: "ffmpeg.extract_audio", source: "redis" },
      result: { task_name: "ffmpeg.extract_audio", status: "SUCCESS", output: { audio_path: "/a.wav" } },
    });
    expect(await queue.count()).toBe(before);
  });

  it("answers pending with reuse_info for a node already queued or running", async () => {
    for (const [status, state] of [["PENDING", "pending"], ["IN_PROGRESS", "running"]] as const) {
      const taskId = newId();
      // A real start: the node's job waits in its queue (no worker takes it here).
      expect((await post("/v1/tasks", createBody(taskId))).statusCode).toBe(200);
      const queued = await h.nodeView(taskId);
      const jobId = queued.stages["ffmpeg.extract_audio"]?.["job_id"];
      if (status === "IN_PROGRESS") {
        await h.store.updateWorkflowState({ ...queued, status: "running", stages: { "ffmpeg.extract_audio": { ...queued.stages["ffmpeg.extract_audio"], status } } });
      }
      const stored = await h.store.getNodeState(taskId, "ffmpeg.extract_audio");
      const body = (await post("/v1/tasks", createBody(taskId))).json();
      expect(body).toMatchObject({
        status: "pending",
        reuse_info: { reuse_hit: true, task_name: "ffmpeg.extract_audio", source: "redis", cached_at: stored?.updated_at, state },
      });
      expect((await h.nodeView(taskId)).stages["ffmpeg.extract_audio"]?.["job_id"]).toBe(jobId);
    }
  });

  it("starts again a node that reads pending but has no job (its start failed, or its job was lost)", async () => {
    const taskId = newId();
    await setStage(taskId, "PENDING");
    const body = (await post("/v1/tasks", createBody(taskId))).json();
    expect(body).toMatchObject({ status: "pending", message: "task is queued" });
    expect(body.reuse_info).toBeUndefined();
    const jobId = (await h.nodeView(taskId)).stages["ffmpeg.extract_audio"]?.["job_id"];
    expect(typeof jobId).toBe("string");
    expect(await h.ffmpegQueue.getJob(String(jobId))).toBeTruthy();
  });

  it("re-runs a failed node as a new attempt", async () => {
    const taskId = newId();
    await setStage(taskId, "FAILED");
    expect((await post("/v1/tasks", createBody(taskId))).json().status).toBe("pending");
    expect((await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("PENDING");
  });
});

describe("bad input: 400 with {error: {code, message}}, nothing written", () => {
  const cases: [string, unknown, string][] = [
    ["missing task_name", { input_data: {} }, "INVALID_TASK_NAME"],
    ["malformed task_name", { task_name: "extract audio", input_data: {} }, "INVALID_TASK_NAME"],
    ["task_name without service", { task_name: "extract_audio", input_data: {} }, "INVALID_TASK_NAME"],
    ["unknown task_name", { task_name: "nope.missing", input_data: {} }, "UNKNOWN_TASK_NAME"],
    ["input_data missing", { task_name: "ffmpeg.extract_audio" }, "INVALID_REQUEST"],
    ["input_data not an object", { task_name: "ffmpeg.extract_audio", input_data: "x" }, "INVALID_REQUEST"],
    ["input_data without the node's required field", { task_name: "ffmpeg.extract_audio", input_data: { video: "x" } }, "INVALID_INPUT"],
    ["input_data with a field of the wrong type", { task_name: "ffmpeg.extract_audio", input_data: { video_path: 7 } }, "INVALID_INPUT"],
    ...["a:node:b", "a*", "a?", "[a]", "a/b", "a b", "", "x".repeat(129)].map(
      (id): [string, unknown, string] => [`task_id ${JSON.stringify(id)}`, { task_name: "ffmpeg.extract_audio", task_id: id, input_data: {} }, "INVALID_TASK_ID"],
    ),
  ];

  it.each(cases)("%s", async (_label, body, code) => {
    const keysBefore = await h.redis.dbsize();
    const response = await post("/v1/tasks", body);
    expect(response.statusCode).toBe(400);
    const error = response.json().error;
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe("string");
    if (code === "INVALID_INPUT") expect(error.message).toContain("video_path");
    expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(await h.redis.dbsize()).toBe(keysBefore);
  });

  it("a body that is not JSON", async () => {
    const keysBefore = await h.redis.dbsize();
    const response = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "content-type": "application/json" }, payload: "{task_name:" });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("INVALID_JSON");
    expect(await h.redis.dbsize()).toBe(keysBefore);
  });

  it("a body of another media type: 415", async () => {
    const response = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: { "content-type": "text/plain" }, payload: "hi" });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("an oversized body: 413", async () => {
    const response = await post("/v1/tasks", { task_name: "ffmpeg.extract_audio", input_data: { blob: "x".repeat(70 * 1024) } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe("BODY_TOO_LARGE");
  });

  it.each(["a:b", "a*", "%5Ba%5D", "a%20b", "x".repeat(129)])("path id %s on every task route", async (id) => {
    for (const [method, url] of [["GET", `/v1/tasks/${id}/status`], ["GET", `/v1/tasks/${id}/result`], ["POST", `/v1/tasks/${id}/delete`]] as const) {
      const response = await h.app.inject({ method, url, ...(method === "POST" ? { payload: {} } : {}) });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe("INVALID_TASK_ID");
    }
  });
});

describe("unknown task: 404", () => {
  it.each([
    ["GET", "status"],
    ["GET", "result"],
    ["POST", "delete"],
  ] as const)("%s %s", async (method, route) => {
    const response = await h.app.inject({ method, url: `/v1/tasks/${newId()}/${route}`, ...(method === "POST" ? { payload: {} } : {}) });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe("TASK_NOT_FOUND");
  });

  it("an unknown route answers the same error shape", async () => {
    const response = await h.app.inject({ method: "GET", url: "/v2/nothing" });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe("ROUTE_NOT_FOUND");
  });
});

describe("GET status and result", () => {
  it("status answers the original payload for the newest node", async () => {
    const taskId = newId();
    await setStage(taskId, "SUCCESS", { audio_path: "/a.wav" });
    const body = (await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` })).json();
    expect(body).toEqual({
      task_id: taskId,
      status: "completed",
      message: "task completed",
      result: { task_name: "ffmpeg.extract_audio", status: "SUCCESS", input_params: { video_path: "/x.mp4" }, output: { audio_path: "/a.wav" }, error: null, duration: 1 },
      minio_files: null,
      create_at: "2026-01-29T00:00:00",
      updated_at: expect.any(String),
      callback_status: null,
    });
  });

  it("result answers the status object plus the full aggregated view of every node as context", async () => {
    const taskId = newId();
    await setStage(taskId, "SUCCESS", { audio_path: "/a.wav" });
    await new Promise((resolve) => setTimeout(resolve, 5)); // a strictly newer updated_at
    await h.store.createWorkflowState({
      workflow_id: taskId,
      input_params: { task_name: "faster_whisper.transcribe_audio" },
      stages: { "faster_whisper.transcribe_audio": { status: "PENDING" } },
      extra_field: "kept",
    });
    const response = await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/result` });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    const status = (await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` })).json();
    const { context, ...rest } = body;
    expect(rest).toEqual(status);
    expect(body.result.task_name).toBe("faster_whisper.transcribe_audio");
    expect(context.workflow_id).toBe(taskId);
    expect(Object.keys(context.stages).sort()).toEqual(["faster_whisper.transcribe_audio", "ffmpeg.extract_audio"]);
    expect(context.extra_field).toBe("kept");
  });
});

describe("POST /v1/tasks/:id/delete", () => {
  it("refuses a pending or running task without force (409) and keeps everything", async () => {
    const taskId = newId();
    await setStage(taskId, "IN_PROGRESS");
    const response = await post(`/v1/tasks/${taskId}/delete`, {});
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe("TASK_ACTIVE");
    expect(await h.store.getWorkflowState(taskId)).not.toBeNull();
  });

  it("removes the folder and every key of the task, and nothing of a neighbour", async () => {
    const taskId = newId();
    const neighbour = `${taskId}0`;
    await setStage(taskId, "SUCCESS", { audio_path: "/a.wav" });
    await setStage(neighbour, "SUCCESS", { audio_path: "/a.wav" });
    await mkdir(join(h.sharedRoot, "tasks", taskId, "extract_audio"), { recursive: true });
    await writeFile(join(h.sharedRoot, "tasks", taskId, "extract_audio", "a.wav"), "x");
    await mkdir(join(h.sharedRoot, "tasks", neighbour), { recursive: true });
    const response = await post(`/v1/tasks/${taskId}/delete`, {});
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: "success",
      results: [
        { resource: "local_directory", status: "deleted" },
        { resource: "redis", status: "deleted", message: "removed 1 node key(s) and 0 queue job(s)" },
        { resource: "minio", status: "skipped" },
      ],
    });
    await expect(stat(join(h.sharedRoot, "tasks", taskId))).rejects.toThrow();
    expect(await h.redis.exists(h.store.nodeKey(taskId, "ffmpeg.extract_audio"), h.store.keys.indexKey(taskId))).toBe(0);
    expect(await h.store.getWorkflowState(neighbour)).not.toBeNull();
    expect((await stat(join(h.sharedRoot, "tasks", neighbour))).isDirectory()).toBe(true);
  });

  it("removes the jobs of every attempt of a re-run node (each holds its input)", async () => {
    const taskId = newId();
    const body = createBody(taskId);
    await post("/v1/tasks", body);
    const first = (await h.store.getNodeState(taskId, "ffmpeg.extract_audio"))?.stages["ffmpeg.extract_audio"]?.["job_id"] as string;
    await h.store.updateWorkflowState({ ...(await h.nodeView(taskId)), status: "failed", stages: { "ffmpeg.extract_audio": { status: "FAILED", error: "x", job_id: first } } });
    await post("/v1/tasks", body);
    const stage = (await h.store.getNodeState(taskId, "ffmpeg.extract_audio"))?.stages["ffmpeg.extract_audio"];
    expect(stage?.["job_history"]).toEqual([first]);
    const second = stage?.["job_id"] as string;
    expect(second).not.toBe(first);
    expect(await queue.getJob(first)).toBeDefined();
    const response = await post(`/v1/tasks/${taskId}/delete`, { force: true });
    expect(response.json().results[1]).toMatchObject({ resource: "redis", message: "removed 1 node key(s) and 2 queue job(s)" });
    expect(await queue.getJob(first)).toBeUndefined();
    expect(await queue.getJob(second)).toBeUndefined();
  });

  it("a task named like a user's folder (inputs) never touches it: task folders live under tasks/", async () => {
    await mkdir(join(h.sharedRoot, "inputs"), { recursive: true });
    await writeFile(join(h.sharedRoot, "inputs", "demo.mp4"), "user data");
    await h.redis.unlink(h.store.nodeKey("inputs", "ffmpeg.extract_audio"), h.store.keys.indexKey("inputs"));
    const created = await post("/v1/tasks", { task_name: "ffmpeg.extract_audio", task_id: "inputs", input_data: { video_path: "/x.mp4" } });
    expect((await h.store.getWorkflowState("inputs"))?.shared_storage_path).toBe(join(h.sharedRoot, "tasks", "inputs"));
    expect(created.statusCode).toBe(200);
    await mkdir(join(h.sharedRoot, "tasks", "inputs"), { recursive: true });
    const deleted = await post("/v1/tasks/inputs/delete", { force: true });
    expect(deleted.json().results[0]).toMatchObject({ resource: "local_directory", status: "deleted" });
    expect(await readFile(join(h.sharedRoot, "inputs", "demo.mp4"), "utf8")).toBe("user data");
    await expect(stat(join(h.sharedRoot, "tasks", "inputs"))).rejects.toThrow();
  });

  it("deletes a running task with force, reporting a missing folder as skipped", async () => {
    const taskId = newId();
    await setStage(taskId, "PENDING");
    const response = await post(`/v1/tasks/${taskId}/delete`, { force: true });
    expect(response.json()).toMatchObject({ status: "success", results: [{ resource: "local_directory", status: "skipped" }, { resource: "redis", status: "deleted" }, { resource: "minio", status: "skipped" }] });
    expect(await h.store.getWorkflowState(taskId)).toBeNull();
  });
});

describe("service routes", () => {
  it("lists the nodes live workers registered, by service", async () => {
    const body = (await h.app.inject({ method: "GET", url: "/v1/tasks/supported-tasks" })).json();
    expect(body.supported_tasks.ffmpeg).toContain("ffmpeg.extract_audio");
    expect(body.total_count).toBeGreaterThanOrEqual(1);
  });

  it("reports Redis as up", async () => {
    const response = await h.app.inject({ method: "GET", url: "/v1/tasks/health" });
    expect(response.statusCode).toBe(200);
    // The harness passes no queue URL: the original's fields say what is not configured.
    expect(response.json()).toEqual({ status: "healthy", service: "wf-gateway", redis: "up", celery_broker: "not configured", minio_service: "not configured" });
  });

  it("answers /livez without a key and without asking Redis", async () => {
    const response = await h.app.inject({ method: "GET", url: "/livez" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "alive" });
  });

  it("serves the API explorer and its assets from the package itself", async () => {
    const page = await h.app.inject({ method: "GET", url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    const script = await h.app.inject({ method: "GET", url: "/docs/static/swagger-ui-bundle.js" });
    expect(script.statusCode).toBe(200);
    expect(script.body.length).toBeGreaterThan(100_000);
  });

  it("gives every operation an operationId and an example answer, and names the error schema once", async () => {
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json() as {
      paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    const resolve = (schema: Record<string, unknown>) =>
      typeof schema["$ref"] === "string" ? (doc.components.schemas[(schema["$ref"] as string).split("/").pop() as string] ?? {}) : schema;
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ name: `${method} ${path}`, op })));
    expect(operations.length).toBeGreaterThanOrEqual(13);
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === "string"), JSON.stringify(ids)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const withoutExample = operations
      .filter(({ op }) => {
        const schema = Object.values(op.responses["200"]?.content ?? {})[0]?.schema;
        return !schema || !("example" in resolve(schema));
      })
      .map(({ name }) => name);
    expect(withoutExample).toEqual([]);
    // The event stream is documented as what it is, not as JSON.
    expect(Object.keys(doc.paths["/v1/tasks/{id}/events"]?.["get"]?.responses["200"]?.content ?? {})).toEqual(["text/event-stream"]);
    expect(JSON.stringify(doc.paths)).toContain('"$ref":"#/components/schemas/ErrorResponse"');
    expect(JSON.stringify(doc.paths)).not.toContain('"detail":{"type":"string"');
  });

  it("documents every route in the OpenAPI document", async () => {
    const doc = (await h.app.inject({ method: "GET", url: "/docs/json" })).json();
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    const served = h.app
      .printRoutes({ commonPrefix: false })
      .split("\n")
      .filter(Boolean);
    expect(served.length).toBeGreaterThan(0);
    for (const route of ["POST /v1/tasks", "DELETE /v1/tasks/:id", "POST /v1/tasks/:id/retry", "GET /v1/tasks/:id/status", "GET /v1/tasks/:id/result", "POST /v1/tasks/:id/delete", "GET /v1/tasks/supported-tasks", "GET /v1/tasks/health"]) {
      expect(documented).toContain(route);
    }
  });
});

describe("DELETE /v1/tasks/:id (cancel)", () => {
  it("cancels a queued node: CANCELLED in Redis and its job removed from the queue", async () => {
    const taskId = newId();
    expect((await post("/v1/tasks", createBody(taskId))).statusCode).toBe(200);
    const jobId = (await h.store.getNodeState(taskId, "ffmpeg.extract_audio"))?.stages["ffmpeg.extract_audio"]?.["job_id"] as string;
    expect(await queue.getJob(jobId)).toBeDefined();

    const response = await h.app.inject({ method: "DELETE", url: `/v1/tasks/${taskId}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ task_id: taskId, status: "cancelled", message: "task cancelled", cancelled: ["ffmpeg.extract_audio"] });
    const state = await h.store.getWorkflowState(taskId);
    expect(state?.status).toBe("cancelled");
    expect(state?.stages["ffmpeg.extract_audio"]?.status).toBe("CANCELLED");
    expect(await queue.getJob(jobId)).toBeUndefined();
  });

  it("refuses a task with nothing to cancel (409) and an unknown one (404)", async () => {
    const taskId = newId();
    await setStage(taskId, "SUCCESS", { audio_path: "/a.wav" });
    const finished = await h.app.inject({ method: "DELETE", url: `/v1/tasks/${taskId}` });
    expect(finished.statusCode).toBe(409);
    expect(finished.json().error.code).toBe("TASK_NOT_ACTIVE");
    expect((await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("SUCCESS");
    expect((await h.app.inject({ method: "DELETE", url: `/v1/tasks/${newId()}` })).statusCode).toBe(404);
  });
});

describe("POST /v1/tasks/:id/retry", () => {
  it("re-runs a failed node as <id>-retry-<8 hex> with the original, unmasked input", async () => {
    const taskId = newId();
    await post("/v1/tasks", createBody(taskId));
    const pending = await h.nodeView(taskId);
    await h.store.updateWorkflowState({ ...pending, status: "failed", stages: { "ffmpeg.extract_audio": { ...pending.stages["ffmpeg.extract_audio"], status: "FAILED", error: "boom" } } });

    const response = await post(`/v1/tasks/${taskId}/retry`, {});
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: "pending", retry_of: taskId });
    expect(body.task_id).toMatch(new RegExp(`^${taskId}-retry-[0-9a-f]{8}$`));
    expect((await h.store.getWorkflowState(body.task_id))?.stages["ffmpeg.extract_audio"]?.status).toBe("PENDING");
    const jobs = await queue.getJobs(["waiting"]);
    expect(jobs.find((job) => job.data.task_id === body.task_id)?.data.input_data).toEqual(createBody().input_data);
    expect((await h.store.getWorkflowState(taskId))?.stages["ffmpeg.extract_audio"]?.status).toBe("FAILED");
  });

  it("refuses a task that is still pending or running (409) and an unknown one (404)", async () => {
    const taskId = newId();
    await setStage(taskId, "IN_PROGRESS");
    const response = await post(`/v1/tasks/${taskId}/retry`, {});
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe("TASK_NOT_RETRIABLE");
    expect((await post(`/v1/tasks/${newId()}/retry`, {})).statusCode).toBe(404);
  });

  it("refuses when the original input held secrets and its job is gone", async () => {
    const taskId = newId();
    await h.store.createWorkflowState({
      workflow_id: taskId,
      status: "failed",
      input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/x.mp4", api_key: "***" } },
      stages: { "ffmpeg.extract_audio": { status: "FAILED", error: "boom" } },
    });
    const response = await post(`/v1/tasks/${taskId}/retry`, {});
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe("RETRY_INPUT_UNAVAILABLE");
  });
});

describe("GET /metrics", () => {
  it("exposes request latency by route and tasks created by node, in Prometheus text format", async () => {
    const taskId = newId();
    await post("/v1/tasks", createBody(taskId));
    await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` });
    const response = await h.app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("text/plain");
    const created = /wf_tasks_created_total\{task_name="ffmpeg.extract_audio"\} (\d+)/.exec(response.body);
    expect(Number(created?.[1])).toBeGreaterThanOrEqual(1);
    expect(response.body).toMatch(/wf_http_request_duration_seconds_count\{method="GET",route="\/v1\/tasks\/:id\/status",status_code="200"\} [1-9]/);
    expect(response.body).toContain("wf_redis_errors_total 0");
  });

  it("counts node states skipped because they are corrupt, while the task still reads", async () => {
    const taskId = newId();
    await post("/v1/tasks", createBody(taskId));
    await h.store.createWorkflowState({ workflow_id: taskId, input_params: { task_name: "other.node" }, stages: { "other.node": { status: "SUCCESS" } } });
    await h.redis.set(h.store.nodeKey(taskId, "other.node"), "{not json");
    const corruptCount = async (): Promise<number> =>
      Number(/wf_corrupt_node_states_total (\d+)/.exec((await h.app.inject({ method: "GET", url: "/metrics" })).body)?.[1]);
    const before = await corruptCount();
    const status = await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` });
    expect(status.statusCode).toBe(200);
    expect(status.json().result.task_name).toBe("ffmpeg.extract_audio");
    expect(await corruptCount()).toBe(before + 1);
  });
});
