export {
  createWfClient,
  type CancelTaskResponse,
  type CreatePipelineRequest,
  type CreateTaskRequest,
  type CreateTaskResponse,
  type DeleteTaskResponse,
  type FileListResponse,
  type FileOperationResponse,
  type FileUploadResponse,
  type FinalTaskStatus,
  type ListTasksQuery,
  type ListTasksResponse,
  type NodeList,
  type PipelineNode,
  type PipelineNodeOutcome,
  type RetryTaskResponse,
  type ServiceList,
  type SupportedTasksResponse,
  type TaskResultResponse,
  type TaskStatusResponse,
  type TaskSummary,
  type WaitForOptions,
  type WfClient,
  type WfClientOptions,
} from "./client.js";
export { WfApiError, WfTimeoutError, isWfApiError } from "./errors.js";
export type { EventsOptions, StreamEnd, TaskEvent, TaskStreamEvent } from "./events.js";
export type { components, paths } from "./generated/openapi.js";
