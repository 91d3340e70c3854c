import { CanonicalWorkflowContextSchema, STAGE_STATUSES, TASK_STATUSES, TaskIdSchema, TaskNameSchema } from "@wf/context";
import { z } from "zod";

/** `:id` of every task route. */
export const TaskParamsSchema = z.object({ id: TaskIdSchema });

/** Body of `POST /v1/tasks`. */
export const CreateTaskBodySchema = z
  .object({
    task_name: TaskNameSchema.describe("The node to run, <service>.<function>"),
    task_id: TaskIdSchema.nullish().describe("Reuse or extend an existing task; generated as task-<uuid> when absent or null"),
    callback: z
      .string()
      .min(1)
      .nullish()
      .describe("http(s) URL (at most 2048 characters, public unless allowed) that receives the result when the node finishes"),
    input_data: z.record(z.string(), z.unknown()).describe("The node's input, validated against its schema"),
  })
  .meta({ example: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "/share/workflows/inputs/demo.mp4" } } });

const SingleNodeResultSchema = z.object({
  task_name: z.string(),
  status: z.enum(STAGE_STATUSES).nullable(),
  input_params: z.record(z.string(), z.unknown()).nullable(),
  output: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  duration: z.number().nullable(),
});

/** Why a request was answered from an existing node instead of running it again (the original's shape). */
const ReuseInfoSchema = z.object({
  reuse_hit: z.literal(true),
  task_name: z.string(),
  source: z.literal("redis"),
  cached_at: z.string().nullable().describe("When the reused node was last written"),
  state: z.enum(["pending", "running"]).optional().describe("Present when the reused node has not finished"),
});

/** Answer of `POST /v1/tasks`. */
export const CreateTaskResponseSchema = z.object({
  task_id: z.string(),
  status: z.enum(TASK_STATUSES),
  message: z.string(),
  reuse_info: ReuseInfoSchema.optional(),
  result: SingleNodeResultSchema.optional(),
});

/** Answer of `GET /v1/tasks/:id/status`. */
export const TaskStatusResponseSchema = z.object({
  task_id: z.string(),
  status: z.enum(TASK_STATUSES),
  message: z.string(),
  result: SingleNodeResultSchema.nullable(),
  minio_files: z.unknown().nullable(),
  create_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  callback_status: z.string().nullable(),
});

/** The resources a delete reports on, named as the original names them. */
export const DELETE_RESOURCES = ["local_directory", "redis", "minio"] as const;

/**
 * Answer of `GET /v1/tasks/:id/result`: the `/status` object (as the original answers) plus
 * `context`, the full aggregated WorkflowContext with every node's stage.
 */
export const TaskResultResponseSchema = TaskStatusResponseSchema.extend({
  context: CanonicalWorkflowContextSchema.describe("The task's full state: every node's stage"),
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
      retriable: z.boolean().optional(),
    }),
  ),
  warnings: z.array(z.string()).optional(),
  timestamp: z.string(),
});

/**
 * The error body every failure answers with: the original's `ErrorResponse` (`error.code`,
 * `error.message`, `error.details`) plus FastAPI's top-level `detail`, which its clients read.
 */
export const ErrorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  detail: z.string().describe("The same message as error.message, where FastAPI clients look for it"),
});
