import { STAGE_STATUSES, TASK_STATUSES, TaskIdSchema, TaskNameSchema } from "@wf/context";
import { z } from "zod";

/** `:id` of every task route. */
export const TaskParamsSchema = z.object({ id: TaskIdSchema });

/** Body of `POST /v1/tasks`. */
export const CreateTaskBodySchema = z
  .object({
    task_name: TaskNameSchema.describe("The node to run, <service>.<function>"),
    task_id: TaskIdSchema.optional().describe("Reuse or extend an existing task; generated as task-<uuid> when absent"),
    callback: z
      .string()
      .min(1)
      .optional()
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

/** Why a request was answered from an existing node instead of running it again. */
const ReuseInfoSchema = z.object({
  reused: z.literal(true),
  task_name: z.string(),
  previous_status: z.enum(STAGE_STATUSES),
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

/** Body of `POST /v1/tasks/:id/delete`. */
export const DeleteTaskBodySchema = z
  .object({ force: z.boolean().default(false).describe("Delete even while the node is pending or running") })
  .default({ force: false });

/** Answer of `POST /v1/tasks/:id/delete`. */
export const DeleteTaskResponseSchema = z.object({
  status: z.enum(["success", "partial_failed", "failed"]),
  results: z.array(
    z.object({
      resource: z.enum(["redis", "local_storage", "object_storage"]),
      status: z.enum(["deleted", "skipped", "failed"]),
      message: z.string(),
      retriable: z.boolean().optional(),
    }),
  ),
  warnings: z.array(z.string()).optional(),
  timestamp: z.string(),
});

/** The error body every failure answers with. */
export const ErrorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
