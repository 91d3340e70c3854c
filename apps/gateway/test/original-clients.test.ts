import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

// Requests exactly as a client of the original Python gateway sends them (python-requests:
// `json=` bodies with `None` as null, `requests.post(url)` with no body at all, or an empty
// body under `content-type: application/json`).

let h: Harness;
beforeAll(async () => {
  h = await startHarness(inject("redisUrl"));
});
afterAll(async () => {
  await h?.close();
});

const JSON_HEADERS = { "content-type": "application/json" };
const newId = () => `task-${randomUUID()}`;

async function finishedTask(status: "SUCCESS" | "FAILED" = "SUCCESS"): Promise<string> {
  const taskId = newId();
  await h.store.createWorkflowState({
    workflow_id: taskId,
    create_at: "2026-01-29T00:00:00",
    status: status === "SUCCESS" ? "completed" : "failed",
    input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/x.mp4" }, callback_url: null },
    stages: { "ffmpeg.extract_audio": { status, output: status === "SUCCESS" ? { audio_path: "/a.wav" } : null, error: null, duration: 1 } },
  });
  return taskId;
}

describe("bodies of the original's clients", () => {
  it("accepts task_id and callback sent as null (Python None) and generates the id", async () => {
    const payload = '{"task_name": "ffmpeg.extract_audio", "task_id": null, "callback": null, "input_data": {"video_path": "/share/demo.mp4"}}';
    const response = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: JSON_HEADERS, payload });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: "pending", message: "task is queued" });
    expect(body.task_id).toMatch(/^task-[0-9a-f-]{36}$/);
    const stored = await h.store.getWorkflowState(body.task_id);
    expect(stored?.input_params.callback_url).toBeNull();
  });

  it("deletes with no body at all, with an empty JSON body, and with force: null", async () => {
    for (const request of [
      {},
      { headers: JSON_HEADERS, payload: "" },
      { headers: JSON_HEADERS, payload: '{"force": null}' },
    ]) {
      const taskId = await finishedTask();
      const response = await h.app.inject({ method: "POST", url: `/v1/tasks/${taskId}/delete`, ...request });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().status).toBe("success");
      expect(await h.store.getWorkflowState(taskId)).toBeNull();
    }
  });

  it("an absent or null force still refuses an active task (409), as force false", async () => {
    const taskId = newId();
    await h.app.inject({ method: "POST", url: "/v1/tasks", headers: JSON_HEADERS, payload: JSON.stringify({ task_name: "ffmpeg.extract_audio", task_id: taskId, input_data: { video_path: "/x.mp4" } }) });
    const response = await h.app.inject({ method: "POST", url: `/v1/tasks/${taskId}/delete`, headers: JSON_HEADERS, payload: "" });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe("TASK_ACTIVE");
  });

  it("retries and cancels with content-type application/json and an empty body", async () => {
    const finished = await finishedTask("FAILED");
    const retry = await h.app.inject({ method: "POST", url: `/v1/tasks/${finished}/retry`, headers: JSON_HEADERS, payload: "" });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().task_id).toMatch(new RegExp(`^${finished}-retry-[0-9a-f]{8}$`));

    const cancel = await h.app.inject({ method: "DELETE", url: `/v1/tasks/${retry.json().task_id}`, headers: JSON_HEADERS, payload: "" });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json().status).toBe("cancelled");
  });

  it("a create without a body is still refused with a clear error", async () => {
    const response = await h.app.inject({ method: "POST", url: "/v1/tasks", headers: JSON_HEADERS, payload: "" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "INVALID_REQUEST" }, detail: expect.stringContaining("body") });
  });
});

describe("answers the original's clients read", () => {
  it("result is the status object plus context", async () => {
    const taskId = await finishedTask();
    const status = (await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status` })).json();
    const result = (await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/result` })).json();
    expect(Object.keys(status).sort()).toEqual(["callback_status", "create_at", "message", "minio_files", "result", "status", "task_id", "updated_at"]);
    expect(result).toEqual({ ...status, context: expect.objectContaining({ workflow_id: taskId }) });
    expect(result.result).toMatchObject({ task_name: "ffmpeg.extract_audio", status: "SUCCESS", output: { audio_path: "/a.wav" } });
  });

  it("reuse_info has the original's fields", async () => {
    const taskId = await finishedTask();
    const payload = JSON.stringify({ task_name: "ffmpeg.extract_audio", task_id: taskId, callback: null, input_data: { video_path: "/x.mp4" } });
    const body = (await h.app.inject({ method: "POST", url: "/v1/tasks", headers: JSON_HEADERS, payload })).json();
    const stored = await h.store.getNodeState(taskId, "ffmpeg.extract_audio");
    expect(body.status).toBe("completed");
    expect(body.reuse_info).toEqual({ reuse_hit: true, task_name: "ffmpeg.extract_audio", source: "redis", cached_at: stored?.updated_at });
  });

  it("delete answers the original's TaskDeletionResult: every item with retriable and details, warnings null", async () => {
    const taskId = await finishedTask();
    const body = (await h.app.inject({ method: "POST", url: `/v1/tasks/${taskId}/delete` })).json();
    expect(body.results.map((result: { resource: string }) => result.resource)).toEqual(["local_directory", "redis", "minio"]);
    for (const result of body.results) expect(Object.keys(result).sort()).toEqual(["details", "message", "resource", "retriable", "status"]);
    expect(body.results[2]).toEqual({ resource: "minio", status: "skipped", message: "object storage is not configured", retriable: null, details: null });
    expect(body.results[1]).toMatchObject({ resource: "redis", status: "deleted", details: { node_keys: 1, queue_jobs: 0 } });
    expect(body.warnings).toBeNull();
    expect(Date.parse(body.timestamp)).not.toBeNaN();
  });

  it("health carries the original's celery_broker and minio_service; the root answers as the original's", async () => {
    const body = (await h.app.inject({ method: "GET", url: "/v1/tasks/health" })).json();
    expect(body).toMatchObject({ status: "healthy", celery_broker: expect.any(String), minio_service: "not configured" });
    const root = await h.app.inject({ method: "GET", url: "/" });
    expect(root.statusCode).toBe(200);
    expect(root.json()).toEqual({ message: "wf gateway is running." });
  });

  it("a pending, running or failed node's result has output {} and a float duration, as the original's (never null)", async () => {
    const pending = newId();
    await h.app.inject({ method: "POST", url: "/v1/tasks", headers: JSON_HEADERS, payload: JSON.stringify({ task_name: "ffmpeg.extract_audio", task_id: pending, input_data: { video_path: "/x.mp4" } }) });
    const failed = await finishedTask("FAILED");
    await h.store.updateWorkflowState({ ...(await h.nodeView(failed)), stages: { "ffmpeg.extract_audio": { status: "FAILED", output: null, error: "boom", duration: null } } });
    for (const [taskId, status] of [[pending, "PENDING"], [failed, "FAILED"]] as const) {
      for (const route of ["status", "result"]) {
        const body = (await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/${route}` })).json();
        expect(body.result, `${route} of a ${status} node`).toMatchObject({ status, output: {}, duration: 0 });
      }
    }
    // The stored stage keeps its nulls; only the answer takes the original's shape.
    expect((await h.store.getNodeState(failed, "ffmpeg.extract_audio"))?.stages["ffmpeg.extract_audio"]).toMatchObject({ output: null, duration: null });
  });

  it("errors carry error.code, error.message and FastAPI's top-level detail", async () => {
    const response = await h.app.inject({ method: "GET", url: `/v1/tasks/${newId()}/status` });
    expect(response.statusCode).toBe(404);
    const body = response.json();
    expect(body.error.code).toBe("TASK_NOT_FOUND");
    expect(body.detail).toBe(body.error.message);
  });

  it("a wrong method is 405 with Allow, not 404", async () => {
    const response = await h.app.inject({ method: "PUT", url: `/v1/tasks/${newId()}/status` });
    expect(response.statusCode).toBe(405);
    expect(response.headers["allow"]).toBe("GET, HEAD");
    expect(response.json()).toMatchObject({ error: { code: "METHOD_NOT_ALLOWED" }, detail: expect.any(String) });
    const create = await h.app.inject({ method: "PUT", url: "/v1/tasks" });
    expect(create.statusCode).toBe(405);
    expect(create.headers["allow"]).toBe("GET, HEAD, POST");
    const unknown = await h.app.inject({ method: "GET", url: "/v2/nothing" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("ROUTE_NOT_FOUND");
  });

  it("a trailing slash resolves to the route", async () => {
    const taskId = await finishedTask();
    expect((await h.app.inject({ method: "GET", url: `/v1/tasks/${taskId}/status/` })).statusCode).toBe(200);
    expect((await h.app.inject({ method: "GET", url: "/v1/tasks/health/" })).statusCode).toBe(200);
  });

  it("serves the OpenAPI document at /openapi.json as FastAPI does", async () => {
    const fastapi = await h.app.inject({ method: "GET", url: "/openapi.json" });
    expect(fastapi.statusCode).toBe(200);
    const document = fastapi.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(document).toEqual((await h.app.inject({ method: "GET", url: "/docs/json" })).json());
  });

  it("a 600-character id answers 414 in our shape without echoing the URL", async () => {
    const id = "a".repeat(600);
    const response = await h.app.inject({ method: "GET", url: `/v1/tasks/${id}/status` });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toMatchObject({ error: { code: "URI_TOO_LONG" }, detail: expect.any(String) });
    expect(response.body).not.toContain("aaaaaaaaaa");
  });
});
