import { WfError } from "@wf/context";

/** Redis did not answer (down, unreachable, timed out). Code `STORE_UNAVAILABLE`; retry later. */
export class StoreUnavailableError extends WfError {
  constructor(message: string, cause: unknown) {
    super("STORE_UNAVAILABLE", message, { cause });
  }
}

/** The store was configured in a way that cannot work. Code `INVALID_STORE_CONFIG`. */
export class StoreConfigError extends WfError {
  constructor(message: string) {
    super("INVALID_STORE_CONFIG", message);
  }
}

/**
 * Maps a failure of a Redis call to what callers can act on: wf's own errors and Redis replies
 * (script or command errors) pass through; anything else means Redis could not be reached.
 */
export function toStoreError(error: unknown, operation: string): unknown {
  if (error instanceof WfError) return error;
  if (error instanceof Error && error.name === "ReplyError") return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`redis unavailable during ${operation}: ${reason}`, error);
}
