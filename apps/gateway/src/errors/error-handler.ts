import { WfError } from "@wf/context";
import { isOutOfMemoryReply, isTransientStoreError } from "@wf/state-redis";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ApiError } from "./api-error.js";

/**
 * The one error shape of every failed request: the original's `ErrorResponse` plus FastAPI's
 * top-level `detail` (the same message), which clients of the original read.
 */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
  detail: string;
}

/** Builds the error body of `code` and `message`. */
export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) }, detail: message };
}

/** HTTP status of each wf error code; anything unknown is a 500. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  INVALID_TASK_ID: 400,
  INVALID_TASK_NAME: 400,
  MISSING_TASK_NAME: 400,
  INVALID_CONTEXT: 400,
  STORE_UNAVAILABLE: 503,
  STORE_FULL: 503,
};

/** Fastify's own request errors, mapped to stable codes. */
const FASTIFY_ERRORS: Readonly<Record<string, { status: number; code: string; message?: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: "INVALID_JSON", message: "request body is not valid JSON" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: "INVALID_JSON", message: "request body is empty; send a JSON object" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "send the body as application/json" },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: "BODY_TOO_LARGE", message: "request body is too large" },
};

function validationCode(field: string): string {
  if (field === "task_id" || field === "id") return "INVALID_TASK_ID";
  if (field === "task_name") return "INVALID_TASK_NAME";
  return "INVALID_REQUEST";
}

/** A zod issue as a union reports its options' issues: a path and a message. */
interface BranchIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * The issues of a validation error, one per field. A body that matches no option of a union
 * (`POST /v1/tasks`: one node, or a pipeline) is reported by the option it came closest to (the
 * fewest issues; the first on a tie), so a one-node body's mistakes read as they always have.
 */
function fieldIssues(validation: readonly { keyword: string; instancePath: string; message?: string | undefined; params: Record<string, unknown> }[]): { field: string; message: string }[] {
  return validation.flatMap((issue) => {
    const at = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
    const branches = issue.keyword === "invalid_union" && Array.isArray(issue.params["errors"]) ? (issue.params["errors"] as BranchIssue[][]) : [];
    const closest = branches.reduce<BranchIssue[] | undefined>((best, branch) => (best === undefined || branch.length < best.length ? branch : best), undefined);
    if (!closest || closest.length === 0) return [{ field: at || "(body)", message: issue.message ?? "invalid" }];
    return closest.map((inner) => ({ field: [at, ...inner.path.map(String)].filter(Boolean).join(".") || "(body)", message: inner.message }));
  });
}

function toErrorResponse(error: FastifyError | Error): { status: number; body: ErrorBody } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = fieldIssues(error.validation);
    const first = issues[0] ?? { field: "(body)", message: "invalid request" };
    const code = validationCode(first.field.split(".")[0] ?? "");
    const where = (error as FastifyError).validationContext ?? "request";
    const message = `invalid ${where}: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join("; ")}`;
    return { status: 400, body: errorBody(code, message, issues) };
  }
  if (error instanceof ApiError) {
    return { status: error.statusCode, body: errorBody(error.code, error.message, error.details) };
  }
  if (error instanceof WfError) {
    const status = STATUS_OF_CODE[error.code] ?? 500;
    // Say what happened, not how the client library failed (that goes to the log).
    const message =
      status === 500
        ? "internal error"
        : error.code === "STORE_FULL"
          ? "Redis is out of memory; nothing was stored, retry once it has room"
          : status === 503
            ? "Redis is unreachable; retry shortly"
            : error.message;
    return { status, body: errorBody(error.code, message) };
  }
  const known = FASTIFY_ERRORS[(error as FastifyError).code ?? ""];
  if (known) return { status: known.status, body: errorBody(known.code, known.message ?? error.message) };
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: errorBody("BAD_REQUEST", error.message) };
  }
  // A Redis failure that reached here unwrapped (a BullMQ call, say) is still a Redis failure.
  if (isOutOfMemoryReply(error)) return { status: 503, body: errorBody("STORE_FULL", "Redis is out of memory; nothing was stored, retry once it has room") };
  if (isTransientStoreError(error)) return { status: 503, body: errorBody("STORE_UNAVAILABLE", "Redis is unreachable; retry shortly") };
  return { status: 500, body: errorBody("INTERNAL_ERROR", "internal error") };
}

/** Installs the error and not-found handlers: one JSON shape, stable codes, never a stack trace. */
export function installErrorHandling(
  app: FastifyInstance,
  hooks: {
    onStoreUnavailable?: () => void;
    /** The methods that a path answers, to tell a wrong method (405) from an unknown path (404). */
    methodsOf?: (path: string) => string[];
  } = {},
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = toErrorResponse(error);
    if (body.error.code === "STORE_UNAVAILABLE") hooks.onStoreUnavailable?.();
    if (status === 503) request.log.warn({ reason: error.message, code: body.error.code }, "request refused: Redis unreachable or full");
    else if (status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: body.error.code }, "request refused");
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?", 1)[0] ?? "";
    const allowed = hooks.methodsOf?.(path) ?? [];
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header("allow", allowed.join(", "))
        .send(errorBody("METHOD_NOT_ALLOWED", `${request.method} is not allowed here; use ${allowed.join(" or ")}`));
    }
    return reply.status(404).send(errorBody("ROUTE_NOT_FOUND", `no route ${request.method} ${truncate(path)}`));
  });
}

/** Echoes at most the first 100 characters of what a client sent. */
function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals (a path parameter longer than the router
 * takes, a malformed URL) in our error shape, without echoing the URL.
 */
export function frameworkErrorReply(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    void reply.status(414).send(errorBody("URI_TOO_LONG", "a path parameter is too long (task ids are at most 128 characters)"));
    return;
  }
  void reply.status(400).send(errorBody("BAD_REQUEST", "the request URL is malformed"));
}
