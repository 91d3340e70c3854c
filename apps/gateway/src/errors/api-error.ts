import { WfError } from "@wf/context";

/** An error the gateway answers with a given HTTP status; `code` is stable. */
export class ApiError extends WfError {
  /** HTTP status of the answer. */
  readonly statusCode: number;

  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super(code, message, { details });
    this.statusCode = statusCode;
  }
}

/** No task has that id. */
export function taskNotFound(taskId: string): ApiError {
  return new ApiError(404, "TASK_NOT_FOUND", `task ${taskId} not found`);
}
