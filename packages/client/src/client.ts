import createFetchClient from "openapi-fetch";
import { WfTimeoutError, errorOfResponse } from "./errors.js";
import { followEvents, type EventsOptions, type StreamEnd, type TaskStreamEvent } from "./events.js";
import type { components, paths } from "./generated/openapi.js";

type Schemas = components["schemas"];

/** Body of `create` (`POST /v1/tasks`). */
export type CreateTaskRequest = NonNullable<paths["/v1/tasks"]["post"]["requestBody"]>["content"]["application/json"];
/** Body of `createPipeline`: several nodes of one task, each started when what it reads is ready. */
export type CreatePipelineRequest = Schemas["CreatePipelineBody"];
/** One node of a {@link CreatePipelineRequest}. */
export type PipelineNode = Schemas["PipelineNode"];
/** What became of each node of a pipeline request (`CreateTaskResponse.nodes`). */
export type PipelineNodeOutcome = Schemas["PipelineNodeOutcome"];
/** Answer of `create`. */
export type CreateTaskResponse = Schemas["CreateTaskResponse"];
/** Answer of `status`. */
export type TaskStatusResponse = Schemas["TaskStatusResponse"];
/** Answer of `result`: the status plus the task's full state. */
export type TaskResultResponse = Schemas["TaskResultResponse"];
/** Answer of `list`. */
export type ListTasksResponse = Schemas["ListTasksResponse"];
/** A task as `list` shows it. */
export type TaskSummary = Schemas["TaskSummary"];
/** Query of `list`. */
export type ListTasksQuery = NonNullable<paths["/v1/tasks"]["get"]["parameters"]["query"]>;
/** Answer of `nodes`. */
export type NodeList = Schemas["NodeList"];
/** Answer of `services`. */
export type ServiceList = Schemas["ServiceList"];
/** Answer of `retry`. */
export type RetryTaskResponse = paths["/v1/tasks/{id}/retry"]["post"]["responses"][200]["content"]["application/json"];
/** Answer of `cancel`. */
export type CancelTaskResponse = paths["/v1/tasks/{id}"]["delete"]["responses"][200]["content"]["application/json"];
/** Answer of `delete`. */
export type DeleteTaskResponse = paths["/v1/tasks/{id}/delete"]["post"]["responses"][200]["content"]["application/json"];
/** Answer of `supportedTasks`. */
export type SupportedTasksResponse = paths["/v1/tasks/supported-tasks"]["get"]["responses"][200]["content"]["application/json"];
/** Answer of `GET /v1/resources`. */
export type ResourceList = Schemas["ResourceList"];
/** Answer of `POST /v1/files/upload`. */
export type FileUploadResponse = Schemas["FileUploadResponse"];
/** Answer of the file listings. */
export type FileListResponse = Schemas["FileListResponse"];
/** Answer of `DELETE /v1/files/<path>`. */
export type FileOperationResponse = Schemas["FileOperationResponse"];

/** Task statuses that do not change any more. */
export type FinalTaskStatus = "completed" | "failed" | "cancelled";

/** Options of {@link createWfClient}. */
export interface WfClientOptions {
  /** The gateway's address, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** A team's API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Options of {@link WfClient.waitFor}. */
export interface WaitForOptions {
  /** Give up (with `WfTimeoutError`) after this long. Default: wait as long as it takes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A typed client of the wf gateway. Every method throws `WfApiError` for a non-2xx answer. */
export interface WfClient {
  create(request: CreateTaskRequest, options?: { idempotencyKey?: string }): Promise<CreateTaskResponse>;
  /**
   * Runs a pipeline (`POST /v1/tasks` with `nodes`): validated as a whole, written in one step;
   * each node starts once the stages it reads (placeholders, fallbacks, `after`) succeed. On an
   * existing task, its SUCCESS nodes are reused and the rest run again.
   */
  createPipeline(request: CreatePipelineRequest, options?: { idempotencyKey?: string }): Promise<CreateTaskResponse & { nodes: PipelineNodeOutcome[] }>;
  status(taskId: string): Promise<TaskStatusResponse>;
  result(taskId: string): Promise<TaskResultResponse>;
  list(query?: ListTasksQuery): Promise<ListTasksResponse>;
  retry(taskId: string): Promise<RetryTaskResponse>;
  cancel(taskId: string): Promise<CancelTaskResponse>;
  delete(taskId: string, options?: { force?: boolean }): Promise<DeleteTaskResponse>;
  supportedTasks(): Promise<SupportedTasksResponse>;
  /** The nodes live workers run, with the JSON Schema of each node's input. */
  nodes(): Promise<NodeList>;
  /** Each service with live workers: its nodes, live workers and queue job counts. */
  services(): Promise<ServiceList>;
  /** Shared resources (GPUs) of every machine: slots, holders (task, node, worker, since) and waiters. */
  resources(): Promise<ResourceList>;
  /**
   * The task's node events as they happen (`GET /v1/tasks/:id/events`): first the current state
   * of every node, then each change; returns when every node is final or the task is deleted.
   */
  events(taskId: string, options?: EventsOptions): AsyncGenerator<TaskStreamEvent, StreamEnd>;
  /** Waits until the task is final (following its events) and returns its status. */
  waitFor(taskId: string, options?: WaitForOptions): Promise<TaskStatusResponse & { status: FinalTaskStatus }>;
  /**
   * Uploads a file to the object store (`POST /v1/files/upload`, multipart): `filePath` is its key
   * (a team key stores it under `teams/<team>/`; the answer's `file_path` is the full key, to use
   * as `s3://<bucket>/<file_path>` in a node's input). A file-backed `Blob`
   * (`fs.openAsBlob`) streams from disk.
   */
  uploadFile(filePath: string, file: Blob, options?: { bucket?: string; fileName?: string }): Promise<FileUploadResponse>;
  /** Opens an object for download (`GET /v1/files/download/<path>`): the answer's body streams; `range` asks for part of it (206). */
  downloadFile(filePath: string, options?: { bucket?: string; range?: string }): Promise<Response>;
  /** Lists the objects under a prefix (a team key: its own folder and tasks). */
  listFiles(prefix?: string, options?: { bucket?: string; recursive?: boolean; limit?: number }): Promise<FileListResponse>;
  /** Deletes one object. */
  deleteFile(filePath: string, options?: { bucket?: string }): Promise<FileOperationResponse>;
}

const FINAL = new Set<string>(["completed", "failed", "cancelled"]);

/** Creates a client of the gateway at `options.baseUrl`. Works wherever `fetch` does (Node.js 20, browsers). */
export function createWfClient(options: WfClientOptions): WfClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? ((input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, init));
  const authorization: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const api = createFetchClient<paths>({ baseUrl, fetch: doFetch, headers: authorization });

  /** The data of a 2xx answer, or the `WfApiError` of any other. */
  async function data<R extends { data?: unknown; error?: unknown; response: Response }>(call: Promise<R>): Promise<NonNullable<R["data"]>> {
    const { data: body, error, response } = await call;
    if (!response.ok) throw await errorOfResponse(response, error);
    return body as NonNullable<R["data"]>;
  }
  const path = (id: string) => ({ params: { path: { id } } });
  const objectUrl = (route: string, key: string, query: Record<string, string | number | boolean | undefined>) => {
    const search = new URLSearchParams(Object.entries(query).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)] as [string, string]])));
    const encoded = key.split("/").map(encodeURIComponent).join("/");
    return `${baseUrl}/v1/files/${route}${encoded}${search.size > 0 ? `?${search}` : ""}`;
  };
  /** The JSON of a 2xx answer of a route called without the typed client, or its `WfApiError`. */
  async function json<T>(response: Response): Promise<T> {
    if (!response.ok) throw await errorOfResponse(response);
    return (await response.json()) as T;
  }

  const client: WfClient = {
    create: (request, createOptions) =>
      data(api.POST("/v1/tasks", { body: request, ...(createOptions?.idempotencyKey ? { headers: { "idempotency-key": createOptions.idempotencyKey } } : {}) })),
    createPipeline: async (request, createOptions) => {
      const created = await client.create(request, createOptions);
      return { ...created, nodes: created.nodes ?? [] };
    },
    status: (taskId) => data(api.GET("/v1/tasks/{id}/status", path(taskId))),
    result: (taskId) => data(api.GET("/v1/tasks/{id}/result", path(taskId))),
    list: (query = {}) => data(api.GET("/v1/tasks", { params: { query } })),
    retry: (taskId) => data(api.POST("/v1/tasks/{id}/retry", path(taskId))),
    cancel: (taskId) => data(api.DELETE("/v1/tasks/{id}", path(taskId))),
    delete: (taskId, deleteOptions = {}) => data(api.POST("/v1/tasks/{id}/delete", { ...path(taskId), body: { force: deleteOptions.force ?? false } })),
    supportedTasks: () => data(api.GET("/v1/tasks/supported-tasks")),
    nodes: () => data(api.GET("/v1/nodes")),
    services: () => data(api.GET("/v1/services")),
    resources: () => data(api.GET("/v1/resources")),
    events: (taskId, eventsOptions) =>
      followEvents(
        (lastEventId, signal) =>
          doFetch(`${baseUrl}/v1/tasks/${encodeURIComponent(taskId)}/events`, {
            headers: { accept: "text/event-stream", ...authorization, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
            ...(signal ? { signal } : {}),
          }),
        eventsOptions,
      ),
    async waitFor(taskId, waitOptions = {}) {
      const signals = [waitOptions.signal, waitOptions.timeoutMs === undefined ? undefined : AbortSignal.timeout(waitOptions.timeoutMs)].filter(
        (signal): signal is AbortSignal => signal !== undefined,
      );
      const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
      try {
        const stream = client.events(taskId, signal ? { signal } : {});
        // Drain the stream: it ends once every node is final (or the task is gone).
        for (let next = await stream.next(); !next.done; next = await stream.next());
      } catch (error) {
        if (signal?.aborted && !waitOptions.signal?.aborted) throw new WfTimeoutError(`task ${taskId} was not final within ${waitOptions.timeoutMs} ms`);
        throw error;
      }
      const status = await client.status(taskId);
      if (!FINAL.has(status.status)) throw new Error(`the event stream of ${taskId} ended while it is ${status.status}`);
      return status as TaskStatusResponse & { status: FinalTaskStatus };
    },
    async uploadFile(filePath, file, uploadOptions = {}) {
      const form = new FormData();
      form.append("file", file, uploadOptions.fileName ?? (filePath.split("/").pop() || "file"));
      const url = objectUrl("upload", "", { file_path: filePath, bucket: uploadOptions.bucket });
      return json<FileUploadResponse>(await doFetch(url, { method: "POST", body: form, headers: authorization }));
    },
    async downloadFile(filePath, downloadOptions = {}) {
      const response = await doFetch(objectUrl("download/", filePath, { bucket: downloadOptions.bucket }), {
        headers: { ...authorization, ...(downloadOptions.range ? { range: downloadOptions.range } : {}) },
      });
      if (!response.ok) throw await errorOfResponse(response);
      return response;
    },
    async listFiles(prefix = "", listOptions = {}) {
      const query = { bucket: listOptions.bucket, recursive: listOptions.recursive, limit: listOptions.limit };
      return json<FileListResponse>(await doFetch(prefix ? objectUrl("list/", prefix, query) : objectUrl("list", "", query), { headers: authorization }));
    },
    async deleteFile(filePath, deleteOptions = {}) {
      return json<FileOperationResponse>(await doFetch(objectUrl("", filePath, { bucket: deleteOptions.bucket }), { method: "DELETE", headers: authorization }));
    },
  };
  return client;
}
