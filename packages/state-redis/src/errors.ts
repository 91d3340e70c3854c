import { WfError } from "@wf/context";
import { CORRUPT_INDEX } from "./commands/index.js";

/** Redis did not answer (down, unreachable, timed out). Code `STORE_UNAVAILABLE`; retry later. */
export class StoreUnavailableError extends WfError {
  constructor(message: string, cause: unknown) {
    super("STORE_UNAVAILABLE", message, { cause });
  }
}

/**
 * Redis refused a write because it is out of memory (`maxmemory` reached with a no-eviction
 * policy). Code `STORE_FULL`. Nothing was written; retry once memory is freed.
 */
export class StoreFullError extends WfError {
  constructor(message: string, cause: unknown) {
    super("STORE_FULL", message, { cause });
  }
}

/** Whether a Redis reply error is an out-of-memory refusal (`OOM command not allowed …`). */
export function isOutOfMemoryReply(error: unknown): error is Error {
  return isReplyError(error) && /^(ERR Error running script.*)?OOM\b|OOM command not allowed/.test(error.message);
}

/**
 * Whether a Redis reply error says Redis cannot take the command now but will: a replica that was
 * a master (`READONLY`, during a failover), a server loading its data set (`LOADING`), a replica
 * whose master is gone (`MASTERDOWN`), a Cluster that lost a slot's master (`CLUSTERDOWN`), a
 * slot being migrated (`TRYAGAIN`), a busy script (`BUSY`), or too few replicas (`NOREPLICAS`).
 */
export function isTransientReply(error: unknown): error is Error {
  return isReplyError(error) && /^(ERR Error running script.*)?(READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/.test(error.message);
}

/**
 * Whether a store failure is one to wait out rather than report: Redis unreachable
 * (`STORE_UNAVAILABLE`), out of memory (`STORE_FULL`), or refusing commands for a while
 * ({@link isTransientReply}). Anything else (a refused write, a corrupt index, a bug) is final.
 */
export function isTransientStoreError(error: unknown): boolean {
  if (error instanceof StoreUnavailableError || error instanceof StoreFullError) return true;
  if (isTransientReply(error) || isOutOfMemoryReply(error)) return true;
  return error instanceof Error && !(error instanceof WfError) && error.name !== "ReplyError" && isConnectionFailure(error);
}

/** Failures of the connection itself, as ioredis reports them. */
function isConnectionFailure(error: Error): boolean {
  return error.name === "MaxRetriesPerRequestError" || /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Command timed out|All sentinels are unreachable|Failed to refresh slots cache|Cluster isn't ready|Too many Cluster redirections/.test(error.message);
}

/** The store was configured in a way that cannot work. Code `INVALID_STORE_CONFIG`. */
export class StoreConfigError extends WfError {
  constructor(message: string) {
    super("INVALID_STORE_CONFIG", message);
  }
}

/**
 * A task's index key holds a value of another type (written by something other than the store),
 * so a write could not keep it consistent and wrote nothing. Code `CORRUPT_INDEX`. Reads and
 * deletes of the task still work (they fall back to SCAN); deleting the task clears it.
 */
export class CorruptIndexError extends WfError {
  constructor(message: string) {
    super("CORRUPT_INDEX", message);
  }
}

/** Whether an error is an error reply from Redis (as opposed to a connection failure). */
export function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ReplyError";
}

/** Whether a Redis reply error says a key holds another type (`WRONGTYPE`). */
export function isWrongTypeReply(error: unknown): error is Error {
  return isReplyError(error) && error.message.startsWith("WRONGTYPE");
}

/** Whether a Redis reply error is the scripts' `CORRUPT_INDEX`. */
export function isCorruptIndexReply(error: unknown): error is Error {
  return isReplyError(error) && error.message.startsWith(CORRUPT_INDEX);
}

/**
 * Maps a failure of a Redis call to what callers can act on: wf's own errors and Redis replies
 * (script or command errors) pass through, except out of memory (`StoreFullError`) and the
 * replies of a failover or a loading server (`StoreUnavailableError`); anything else means Redis
 * could not be reached.
 */
export function toStoreError(error: unknown, operation: string): unknown {
  if (error instanceof WfError) return error;
  if (isCorruptIndexReply(error)) return new CorruptIndexError(error.message);
  if (isOutOfMemoryReply(error)) return new StoreFullError(`redis is out of memory during ${operation}: ${error.message}`, error);
  if (isTransientReply(error)) return new StoreUnavailableError(`redis refuses commands for now during ${operation}: ${error.message}`, error);
  if (isReplyError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`redis unavailable during ${operation}: ${reason}`, error);
}

/** `promise`, with its failure mapped by {@link toStoreError}. */
export function guarded<T>(promise: Promise<T>, operation: string): Promise<T> {
  return promise.catch((error: unknown) => {
    throw toStoreError(error, operation);
  });
}
