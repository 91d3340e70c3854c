import { z } from "zod";
import { StageStatusSchema, TaskStatusSchema } from "./status.js";

/**
 * One node's execution record, `stages[task_name]` in the wire format. Unknown fields are kept.
 */
export const StageExecutionSchema = z.looseObject({
  status: StageStatusSchema,
  input_params: z.record(z.string(), z.unknown()).nullish(),
  output: z.record(z.string(), z.unknown()).nullish(),
  error: z.string().nullish(),
  duration: z.number().nullish(),
});

/** One node's execution record, as read (normalised). */
export type StageExecution = z.output<typeof StageExecutionSchema>;

/** `input_params` of a context: the request that created the node this view belongs to. */
export const WorkflowInputParamsSchema = z.looseObject({
  task_name: z.string().nullish(),
  input_data: z.record(z.string(), z.unknown()).nullish(),
  callback_url: z.string().nullish(),
});

/** `input_params` of a context. */
export type WorkflowInputParams = z.output<typeof WorkflowInputParamsSchema>;

/**
 * The task's state exactly as the original Python `WorkflowContext` serialised it: snake_case
 * names, `create_at` (not `created_at`), stages keyed by task name. Unknown fields are kept.
 */
export const WorkflowContextSchema = z.looseObject({
  workflow_id: z.string(),
  create_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  status: TaskStatusSchema.nullish(),
  input_params: WorkflowInputParamsSchema.default({}),
  shared_storage_path: z.string().nullish(),
  stages: z.record(z.string(), StageExecutionSchema).default({}),
  error: z.string().nullish(),
});

/** A task's state (normalised). */
export type WorkflowContext = z.output<typeof WorkflowContextSchema>;

/** What a writer may hand in: statuses in any legacy spelling, defaults not yet applied. */
export type WorkflowContextInput = z.input<typeof WorkflowContextSchema>;
