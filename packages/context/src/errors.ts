/**
 * Every code a wf library error carries, stable across releases: switch on these, not on
 * messages. (The gateway's HTTP error codes are listed in its README.)
 */
export type WfErrorCode =
  // @wf/context
  | "INVALID_TASK_ID"
  | "INVALID_TASK_NAME"
  | "MISSING_TASK_NAME"
  | "INVALID_CONTEXT"
  | "UNRESOLVED_PLACEHOLDER"
  | "INPUT_TOO_DEEP"
  // @wf/protocol
  | "URL_NOT_ALLOWED"
  // @wf/state-redis
  | "STORE_UNAVAILABLE"
  | "STORE_FULL"
  | "INVALID_STORE_CONFIG"
  | "CORRUPT_INDEX"
  // @wf/worker
  | "INPUT_NOT_ALLOWED"
  | "INPUT_NOT_FOUND"
  | "INVALID_SUBTITLES"
  | "FFMPEG_FAILED";

/** Marks wf errors across copies of the package (the ESM and CJS builds each have their own class). */
const WF_ERROR = Symbol.for("@wf/context.error");

/**
 * Base class of every error wf throws on purpose. `code` is stable across releases and is what
 * callers (and the gateway's HTTP mapping) switch on; `message` is for humans.
 */
export class WfError extends Error {
  /** Stable, machine-readable error code such as `INVALID_TASK_ID`. */
  readonly code: string;
  /** Optional structured detail, e.g. the list of invalid fields. */
  readonly details?: unknown;

  constructor(code: string, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options?.details !== undefined) this.details = options.details;
    Object.defineProperty(this, WF_ERROR, { value: true });
  }
}

/**
 * Whether `error` is a wf error (optionally with `code`). Unlike `instanceof WfError`, it holds
 * across the ESM and CommonJS builds and across duplicate installs of the package.
 *
 * @example
 * if (isWfError(error, "STORE_UNAVAILABLE")) retryLater();
 */
export function isWfError<C extends WfErrorCode | (string & {})>(error: unknown, code?: C): error is WfError & { code: C } {
  if (error === null || typeof error !== "object" || (error as Record<symbol, unknown>)[WF_ERROR] !== true) return false;
  return code === undefined || (error as WfError).code === code;
}

/** A task id outside the safe alphabet (see {@link TASK_ID_PATTERN}). Code `INVALID_TASK_ID`. */
export class InvalidTaskIdError extends WfError {
  constructor(message: string) {
    super("INVALID_TASK_ID", message);
  }
}

/** A task name that is not `<service>.<function>`. Code `INVALID_TASK_NAME`. */
export class InvalidTaskNameError extends WfError {
  constructor(message: string) {
    super("INVALID_TASK_NAME", message);
  }
}

/** A context written without `input_params.task_name`. Code `MISSING_TASK_NAME`. */
export class MissingTaskNameError extends WfError {
  constructor(message = "input_params.task_name is required to write a node's state") {
    super("MISSING_TASK_NAME", message);
  }
}

/** A value that does not match the `WorkflowContext` wire format. Code `INVALID_CONTEXT`. */
export class InvalidContextError extends WfError {
  constructor(message: string, details?: unknown) {
    super("INVALID_CONTEXT", message, { details });
  }
}
