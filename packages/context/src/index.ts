export { WfError, InvalidTaskIdError, InvalidTaskNameError, MissingTaskNameError, InvalidContextError } from "./errors.js";
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
export { CancelMessageSchema, NodeJobDataSchema, queueNameOf, type CancelMessage, type NodeJobData } from "./node-job.js";
export { SECRET_MASK, SECRET_NAMES, SECRET_NAME_PARTS, isSecretName, maskSecrets, maskSecretsInText } from "./mask-secrets.js";
export { CALLBACK_DEFAULTS, CALLBACK_QUEUE, CallbackJobDataSchema, callbackJobOptions, type CallbackJobData, type CallbackStatus } from "./callback-job.js";
export {
  MAX_URL_LENGTH,
  UrlPolicyError,
  checkPublicUrl,
  isOwnAddress,
  isPrivateAddress,
  type CheckedUrl,
  type UrlPolicy,
} from "./net/public-url.js";
export { requestPinned, type PinnedRequestOptions } from "./net/pinned-request.js";
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
