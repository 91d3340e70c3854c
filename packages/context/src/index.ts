export {
  WfError,
  InvalidTaskIdError,
  InvalidTaskNameError,
  MissingTaskNameError,
  InvalidContextError,
  isWfError,
  type WfErrorCode,
} from "./errors.js";
export { MAX_TASK_ID_LENGTH, TASK_ID_PATTERN, TaskIdSchema, assertTaskId, type TaskId } from "./task-id.js";
export { TASK_NAME_PATTERN, TaskNameSchema, parseTaskName, type ParsedTaskName } from "./task-name.js";
export {
  STAGE_STATUSES,
  TASK_STATUSES,
  StageStatusSchema,
  TaskStatusSchema,
  isTerminalStageStatus,
  taskStatusOf,
  type StageStatus,
  type TaskStatus,
} from "./status.js";
export {
  CanonicalWorkflowContextSchema,
  StageExecutionSchema,
  WorkflowContextSchema,
  WorkflowInputParamsSchema,
  type StageExecution,
  type WorkflowContext,
  type WorkflowContextInput,
  type WorkflowInputParams,
} from "./workflow-context.js";
export { formatIssues, parseWorkflowContext, safeParseWorkflowContext, type ParseResult } from "./parse.js";
export { buildSingleNodeResult, type SingleNodeResult } from "./single-node-result.js";
export { timestampMillis } from "./timestamp.js";
export { SECRET_MASK, SECRET_NAMES, SECRET_NAME_PARTS, isSecretName, maskSecrets, maskSecretsInText } from "./mask-secrets.js";
export {
  MAX_INPUT_DEPTH,
  PLACEHOLDER_PATTERN,
  PlaceholderError,
  findPlaceholders,
  formatInputPath,
  parsePlaceholder,
  resolvePlaceholders,
  type InputPath,
  type Placeholder,
} from "./placeholders.js";
export { TASKS_FOLDER, taskFolderPath, tasksRoot } from "./task-folder.js";
export { EVENT_ID_HEADER, SIGNATURE_HEADER, signCallback, verifyCallbackSignature, type VerifyOptions } from "./callback-signature.js";
export { failedNodeView } from "./failed-view.js";
export { TASK_EVENT_TYPES, TaskEventSchema, taskEventOfStage, taskEventTypeOf, type TaskEvent, type TaskEventType } from "./task-event.js";
export {
  MAX_PIPELINE_NODES,
  dependenciesOfStage,
  findCycle,
  taskStatusOfStages,
  waitingFor,
  type PipelineNodeRef,
  type PipelineStep,
} from "./pipeline.js";
