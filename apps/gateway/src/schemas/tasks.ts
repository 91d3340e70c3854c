import { CanonicalWorkflowContextSchema, MAX_PIPELINE_NODES, STAGE_STATUSES, TASK_STATUSES, TaskIdSchema, TaskNameSchema } from "@wf/context";
import { z } from "zod";

/** `:id` of every task route. */
export const TaskParamsSchema = z.object({ id: TaskIdSchema });

const CallbackSchema = z
  .string()
  .min(1)
  .nullish()
  .describe("http(s) URL (at most 2048 characters, public unless allowed) that receives the result when the node (a pipeline: the whole task) finishes");

/** Body of `POST /v1/tasks` for one node: the original's. */
export const CreateNodeBodySchema = z
  .object({
    task_name: TaskNameSchema.describe("The node to run, <service>.<function>"),
    task_id: TaskIdSchema.nullish().describe("Reuse or extend an existing task; generated as task-<uuid> when absent or null"),
    callback: CallbackSchema,
    upload_outputs: z.boolean().optional().describe("false: keep this request's outputs off the object store (default: uploaded when the workers have one)"),
    input_data: z.record(z.string(), z.unknown()).describe("The node's input, validated against its schema"),
  })
  .meta({ id: "CreateNodeBody", example: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/share/workflows/inputs/demo.mp4" } } });

/** One node of a pipeline request. */
export const PipelineNodeSchema = z
  .object({
    task_name: TaskNameSchema.describe("The node to run, <service>.<function>; unique within the request"),
    input_data: z.record(z.string(), z.unknown()).describe("The node's input; ${{ stages.<task_name>.output.<field> }} reads another node's output"),
    after: z.array(TaskNameSchema).max(MAX_PIPELINE_NODES).optional().describe("Nodes to run after, besides those its placeholders and fallbacks read"),
  })
  .meta({ id: "PipelineNode" });

const PIPELINE_EXAMPLE = {
  task_id: "task-demo",
  nodes: [
    { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/share/workflows/inputs/demo.mp4" } },
    { task_name: "ffmpeg.extract_keyframes", input_data: { video_path: "/share/workflows/inputs/demo.mp4", keyframe_sample_count: 5 } },
    { task_name: "ffmpeg.split_audio_segments", input_data: { audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}" }, after: ["ffmpeg.extract_keyframes"] },
  ],
};

/** Body of `POST /v1/tasks` for a pipeline: several nodes of one task, each started when what it reads is ready. */
export const CreatePipelineBodySchema = z
  .object({
    task_id: TaskIdSchema.nullish().describe("Run the pipeline on this task (its SUCCESS nodes are reused); generated as task-<uuid> when absent or null"),
    callback: CallbackSchema,
    upload_outputs: z.boolean().optional().describe("false: keep this request's outputs off the object store (default: uploaded when the workers have one)"),
    nodes: z
      .array(PipelineNodeSchema)
      .min(1)
      .max(MAX_PIPELINE_NODES)
      .superRefine((nodes, ctx) => {
        const seen = new Set<string>();
        for (const [index, node] of nodes.entries()) {
          if (seen.has(node.task_name)) ctx.addIssue({ code: "custom", path: [index, "task_name"], message: `${node.task_name} appears twice; task names are unique within a request` });
          seen.add(node.task_name);
          if (node.after?.includes(node.task_name)) ctx.addIssue({ code: "custom", path: [index, "after"], message: `${node.task_name} cannot run after itself` });
        }
      })
      .describe(`The nodes, at most ${MAX_PIPELINE_NODES}`),
  })
  .meta({ id: "CreatePipelineBody", example: PIPELINE_EXAMPLE });

/** Body of `POST /v1/tasks`: one node (the original's body), or a pipeline (`nodes`). */
export const CreateTaskBodySchema = z.union([CreateNodeBodySchema, CreatePipelineBodySchema]);

/** How a node of a pipeline request was taken. */
const PipelineNodeOutcomeSchema = z
  .object({
    task_name: z.string(),
    state: z
      .enum(["queued", "waiting", "reused", "running"])
      .describe("queued: its job runs now; waiting: it starts when waiting_for succeed; reused: its SUCCESS is kept; running: it was already pending or running"),
    waiting_for: z.array(z.string()).describe("The stages it waits for (empty unless waiting)"),
  })
  .meta({ id: "PipelineNodeOutcome" });

const SingleNodeResultSchema = z
  .object({
  task_name: z.string(),
  status: z.enum(STAGE_STATUSES).nullable(),
  input_params: z.record(z.string(), z.unknown()).nullable(),
  output: z.record(z.string(), z.unknown()).describe("{} while the node has no output (pending, running, failed), as the original answers"),
  error: z.string().nullable(),
  duration: z.number().describe("Seconds the node ran; 0 until it has finished"),
  })
  .meta({ id: "SingleNodeResult" });

/** Why a request was answered from an existing node instead of running it again (the original's shape). */
const ReuseInfoSchema = z.object({
  reuse_hit: z.literal(true),
  task_name: z.string(),
  source: z.literal("redis"),
  cached_at: z.string().nullable().describe("When the reused node was last written"),
  state: z.enum(["pending", "running"]).optional().describe("Present when the reused node has not finished"),
}).meta({ id: "ReuseInfo" });

/** Answer of `POST /v1/tasks`. */
export const CreateTaskResponseSchema = z.object({
  task_id: z.string(),
  status: z.enum(TASK_STATUSES),
  message: z.string(),
  reuse_info: ReuseInfoSchema.optional(),
  result: SingleNodeResultSchema.optional(),
  nodes: z.array(PipelineNodeOutcomeSchema).optional().describe("A pipeline request: what became of each node"),
}).meta({ id: "CreateTaskResponse", example: { task_id: "task-5f0c…", status: "pending", message: "task is queued" } });

/** The example answer of `/status`, which `/result` extends. */
const STATUS_EXAMPLE = {
  task_id: "task-5f0c…",
  status: "completed",
  message: "task completed",
  result: { task_name: "ffmpeg.extract_audio", status: "SUCCESS", input_params: { video_path: "/share/workflows/inputs/demo.mp4" }, output: { audio_path: "/share/workflows/tasks/task-5f0c…/nodes/ffmpeg.extract_audio/demo.wav" }, error: null, duration: 0.4 },
  minio_files: null,
  create_at: "2026-11-30T12:00:00.000Z",
  updated_at: "2026-11-30T12:00:00.400Z",
  callback_status: null,
};

/** Answer of `GET /v1/tasks/:id/status`. */
export const TaskStatusResponseSchema = z.object({
  task_id: z.string(),
  status: z.enum(TASK_STATUSES),
  message: z.string(),
  result: SingleNodeResultSchema.nullable(),
  minio_files: z
    .array(z.object({ name: z.string(), url: z.string(), type: z.string(), size: z.number().optional() }).loose())
    .nullable()
    .describe("Files the task's nodes uploaded to the object store ({name, url, type, size}, as the original lists them); null: none (no store configured, or uploads turned off)"),
  create_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  callback_status: z.string().nullable(),
  workers_lost: z
    .array(z.object({ task_name: z.string(), worker_lost_at: z.string(), takeover: z.string() }))
    .nullable()
    .optional()
    .describe("Present only while running nodes have lost their worker (its job's lock lapsed, or the job is back in its queue): since when, and what happens next"),
}).meta({ id: "TaskStatusResponse", example: STATUS_EXAMPLE });

/** The resources a delete reports on, named as the original names them. */
export const DELETE_RESOURCES = ["local_directory", "redis", "minio"] as const;

/**
 * Answer of `GET /v1/tasks/:id/result`: the `/status` object (as the original answers) plus
 * `context`, the full aggregated WorkflowContext with every node's stage.
 */
export const TaskResultResponseSchema = TaskStatusResponseSchema.extend({
  context: CanonicalWorkflowContextSchema.describe("The task's full state: every node's stage"),
}).meta({
  id: "TaskResultResponse",
  example: {
    ...STATUS_EXAMPLE,
    context: {
      workflow_id: "task-5f0c…",
      create_at: "2026-11-30T12:00:00.000Z",
      updated_at: "2026-11-30T12:00:00.400Z",
      status: "completed",
      input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/share/workflows/inputs/demo.mp4" }, callback_url: null },
      shared_storage_path: "/share/workflows/tasks/task-5f0c…",
      stages: { "ffmpeg.extract_audio": { status: "SUCCESS", input_params: { video_path: "/share/workflows/inputs/demo.mp4" }, output: { audio_path: "/share/workflows/tasks/task-5f0c…/nodes/ffmpeg.extract_audio/demo.wav" }, error: null, duration: 0.4 } },
      error: null,
    },
  },
});

/** Body of `POST /v1/tasks/:id/delete`: optional, as in the original (`force` false when absent or null). */
export const DeleteTaskBodySchema = z
  .object({ force: z.boolean().nullish().describe("Delete even while the node is pending or running") })
  .nullish();

/** Answer of `POST /v1/tasks/:id/delete`. */
export const DeleteTaskResponseSchema = z.object({
  status: z.enum(["success", "partial_failed", "failed"]),
  results: z.array(
    z.object({
      resource: z.enum(DELETE_RESOURCES),
      status: z.enum(["deleted", "skipped", "failed"]),
      message: z.string(),
      retriable: z.boolean().nullable().describe("Whether trying again may help; null when there is nothing to retry"),
      details: z.record(z.string(), z.unknown()).nullable().describe("More about the outcome; null when there is nothing to say"),
    }),
  ),
  warnings: z.array(z.string()).nullable().describe("One line per resource that failed; null when none did"),
  timestamp: z.string(),
}).meta({
  id: "DeleteTaskResponse",
  example: {
    status: "success",
    results: [
      { resource: "local_directory", status: "deleted", message: "removed /share/workflows/tasks/task-5f0c…", retriable: null, details: null },
      { resource: "redis", status: "deleted", message: "removed 1 node key(s) and 1 queue job(s)", retriable: null, details: { node_keys: 1, queue_jobs: 1 } },
      { resource: "minio", status: "skipped", message: "object storage is not configured", retriable: null, details: null },
    ],
    warnings: null,
    timestamp: "2026-11-30T12:00:05.000Z",
  },
});

/**
 * The error body every failure answers with: the original's `ErrorResponse` (`error.code`,
 * `error.message`, `error.details`) plus FastAPI's top-level `detail`, which its clients read.
 */
export const ErrorResponseSchema = z
  .object({
    error: z.object({ code: z.string().describe("Stable code, e.g. TASK_NOT_FOUND"), message: z.string(), details: z.unknown().optional() }),
    detail: z.string().describe("The same message as error.message, where FastAPI clients look for it"),
  })
  .meta({ id: "ErrorResponse", example: { error: { code: "TASK_NOT_FOUND", message: "task task-1 not found" }, detail: "task task-1 not found" } });

/**
 * The error answers every `/v1` route may give besides its own: 401 (no or unknown API key, when
 * keys are configured), 429 (the team's rate limit), 503 (Redis unreachable or full); with
 * `body`, also 413 (body too large) and 415 (not JSON).
 */
export function commonErrors(options: { body?: boolean } = {}) {
  return {
    401: ErrorResponseSchema.describe("No API key, or one this gateway does not know"),
    429: ErrorResponseSchema.describe("The team's rate limit or active-node quota is reached (Retry-After)"),
    503: ErrorResponseSchema.describe("Redis is unreachable or full"),
    ...(options.body
      ? { 413: ErrorResponseSchema.describe("The body is larger than WF_BODY_LIMIT"), 415: ErrorResponseSchema.describe("The body is not application/json") }
      : {}),
  };
}

/** Query of `GET /v1/tasks`. */
export const ListTasksQuerySchema = z.object({
  status: z.enum(TASK_STATUSES).optional().describe("Only tasks with this status"),
  task_name: TaskNameSchema.optional().describe("Only tasks with a node of this name"),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe("Tasks per page (1-100)"),
  cursor: z.string().max(600).optional().describe("next_cursor of the previous page"),
});

/** One node of a listed task. */
export const NodeSummarySchema = z
  .object({
  task_name: z.string(),
  status: z.enum(STAGE_STATUSES).nullable(),
  progress: z.number().nullable().describe("0-100 while the node runs, when it reports progress"),
  duration: z.number().nullable().describe("Seconds the node ran"),
  error: z.string().nullable(),
  })
  .meta({ id: "NodeSummary" });

/** A task as the listing shows it. */
export const TaskSummarySchema = z
  .object({
    task_id: z.string(),
    status: z.enum(TASK_STATUSES),
    create_at: z.string().nullable(),
    updated_at: z.string().nullable(),
    nodes: z.array(NodeSummarySchema),
  })
  .meta({ id: "TaskSummary" });

/** Answer of `GET /v1/tasks`. */
export const ListTasksResponseSchema = z
  .object({
    tasks: z.array(TaskSummarySchema),
    next_cursor: z.string().nullable().describe("Pass as cursor for the next page; null after the last"),
  })
  .meta({
    id: "ListTasksResponse",
    example: {
      tasks: [{ task_id: "task-5f0c…", status: "running", create_at: "2026-11-30T12:00:00.000Z", updated_at: "2026-11-30T12:00:01.000Z", nodes: [{ task_name: "ffmpeg.extract_keyframes", status: "IN_PROGRESS", progress: 40, duration: null, error: null }] }],
      next_cursor: "1796040000000:task-5f0c…",
    },
  });
