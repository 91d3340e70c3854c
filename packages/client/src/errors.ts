/** An answer of the gateway other than 2xx, with its stable error code (e.g. `TASK_NOT_FOUND`). */
export class WfApiError extends Error {
  /** HTTP status of the answer. */
  readonly status: number;
  /** The error's stable code, from `error.code` of the answer (`HTTP_<status>` when it has none). */
  readonly code: string;
  /** `error.details` of the answer, when given. */
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "WfApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** `waitFor` gave up: the task was not final within `timeoutMs`. */
export class WfTimeoutError extends Error {
  /** Always `TIMEOUT`. */
  readonly code = "TIMEOUT";

  constructor(message: string) {
    super(message);
    this.name = "WfTimeoutError";
  }
}

/** Whether `error` is a {@link WfApiError} (also across copies of this package), optionally with `code`. */
export function isWfApiError(error: unknown, code?: string): error is WfApiError {
  return (
    error instanceof Error &&
    error.name === "WfApiError" &&
    typeof (error as WfApiError).status === "number" &&
    (code === undefined || (error as WfApiError).code === code)
  );
}

/** The error an answer stands for: its `{error: {code, message, details}}` body when it has one. */
export async function errorOfResponse(response: Response, body?: unknown): Promise<WfApiError> {
  let parsed = body;
  if (parsed === undefined) parsed = await response.json().catch(() => undefined);
  const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : `HTTP_${response.status}`;
  const message = typeof error?.message === "string" ? error.message : `the gateway answered ${response.status}`;
  return new WfApiError(response.status, code, message, error?.details);
}
