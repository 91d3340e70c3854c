/** Stable codes of {@link ObjectStoreError}. */
export type ObjectStoreErrorCode = "OBJECT_NOT_FOUND" | "OBJECT_TOO_LARGE" | "OBJECT_STORE_DENIED" | "OBJECT_STORE_UNAVAILABLE" | "OBJECT_STORE_TIMEOUT";

/** A store operation that failed, with a stable code and whether trying again later may succeed. */
export class ObjectStoreError extends Error {
  override readonly name = "ObjectStoreError";
  readonly code: ObjectStoreErrorCode;
  /** The store was down or slow (try again later), rather than the request being wrong. */
  readonly retriable: boolean;

  constructor(code: ObjectStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retriable = code === "OBJECT_STORE_UNAVAILABLE" || code === "OBJECT_STORE_TIMEOUT";
  }
}

interface SdkFailure {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The {@link ObjectStoreError} an AWS SDK failure of `what` amounts to. */
export function storeErrorOf(error: unknown, what: string): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const failure = (error ?? {}) as SdkFailure;
  const status = failure.$metadata?.httpStatusCode;
  const detail = failure.message || failure.name || failure.code || String(error);
  if (status === 404 || failure.name === "NoSuchKey" || failure.name === "NotFound") {
    return new ObjectStoreError("OBJECT_NOT_FOUND", `${what}: no such object`, { cause: error });
  }
  if (status === 403 || failure.name === "AccessDenied" || failure.name === "InvalidAccessKeyId" || failure.name === "SignatureDoesNotMatch") {
    return new ObjectStoreError("OBJECT_STORE_DENIED", `${what}: the store refused the credentials (${detail})`, { cause: error });
  }
  if (failure.name === "TimeoutError" || failure.name === "AbortError" || failure.code === "ETIMEDOUT") {
    return new ObjectStoreError("OBJECT_STORE_TIMEOUT", `${what}: the store did not answer in time`, { cause: error });
  }
  return new ObjectStoreError("OBJECT_STORE_UNAVAILABLE", `${what}: the object store is unavailable (${detail})`, { cause: error });
}
