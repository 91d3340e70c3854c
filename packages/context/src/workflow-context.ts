import { z } from "zod";
import { STAGE_STATUSES, StageStatusSchema, TASK_STATUSES, TaskStatusSchema } from "./status.js";

/**
 * Builds the schemas of the wire format around a choice of status schemas: lenient ones for
 * reading what any writer stored, strict ones for what wf writes and answers (and documents).
 */
function makeSchemas<Stage extends z.ZodType, Task extends z.ZodType>(stageStatus: Stage, taskStatus: Task) {
  // Free-form objects. Every node read and write parses them, and zod's compiled object parser
  // is markedly cheaper than `z.record(z.string(), z.unknown())`, which accepts the same values.
  const anyFields = () => z.looseObject({});
  const stage = z.looseObject({
    status: stageStatus,
    input_params: anyFields().nullish(),
    output: anyFields().nullish(),
    error: z.string().nullish(),
    duration: z.number().nullish().describe("Seconds the node ran"),
  });
  const inputParams = z.looseObject({
    task_name: z.string().nullish().describe("The node this view belongs to"),
    input_data: anyFields().nullish(),
    callback_url: z.string().nullish(),
  });
  const context = z.looseObject({
    workflow_id: z.string().describe("The task id"),
    create_at: z.string().nullish().describe("ISO 8601; note the name: create_at"),
    updated_at: z.string().nullish(),
    status: taskStatus.nullish(),
    input_params: inputParams.default({}),
    shared_storage_path: z.string().nullish(),
    stages: z.record(z.string(), stage).default({}),
    error: z.string().nullish(),
  });
  return { stage, inputParams, context };
}

const lenient = makeSchemas(StageStatusSchema, TaskStatusSchema);
const canonical = makeSchemas(z.enum(STAGE_STATUSES), z.enum(TASK_STATUSES));

/**
 * One node's execution record, `stages[task_name]` in the wire format. Unknown fields are kept;
 * legacy status spellings are normalised.
 */
export const StageExecutionSchema = lenient.stage;

/** One node's execution record, as read (normalised). */
export type StageExecution = z.output<typeof StageExecutionSchema>;

/** `input_params` of a context: the request that created the node this view belongs to. */
export const WorkflowInputParamsSchema = lenient.inputParams;

/** `input_params` of a context. */
export type WorkflowInputParams = z.output<typeof WorkflowInputParamsSchema>;

/**
 * The task's state exactly as the original Python `WorkflowContext` serialised it: snake_case
 * names, `create_at` (not `created_at`), stages keyed by task name. Unknown fields are kept.
 * Accepts what older writers stored (lower-case statuses, missing fields) and normalises it.
 */
export const WorkflowContextSchema = lenient.context;

/**
 * The canonical form wf writes and answers: the same fields with only canonical statuses and
 * no transforms, so it can also serialise responses and describe them in OpenAPI.
 */
export const CanonicalWorkflowContextSchema = canonical.context;

/** A task's state (normalised). */
export type WorkflowContext = z.output<typeof WorkflowContextSchema>;

/** What a writer may hand in: statuses in any legacy spelling, defaults not yet applied. */
export type WorkflowContextInput = z.input<typeof WorkflowContextSchema>;
