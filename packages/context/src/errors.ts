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
  }
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
