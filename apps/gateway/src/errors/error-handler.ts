import { WfError } from "@wf/context";
import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ApiError } from "./api-error.js";

/** The one error shape of every failed request. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** HTTP status of each wf error code; anything unknown is a 500. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  INVALID_TASK_ID: 400,
  INVALID_TASK_NAME: 400,
  MISSING_TASK_NAME: 400,
  INVALID_CONTEXT: 400,
  STORE_UNAVAILABLE: 503,
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

function toErrorResponse(error: FastifyError | Error): { status: number; body: ErrorBody } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => {
      const field = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
      return { field: field || "(body)", message: issue.message };
    });
    const first = issues[0] ?? { field: "(body)", message: "invalid request" };
    const code = validationCode(first.field.split(".")[0] ?? "");
    const where = (error as FastifyError).validationContext ?? "request";
    const message = `invalid ${where}: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join("; ")}`;
    return { status: 400, body: { error: { code, message, details: issues } } };
  }
  if (error instanceof ApiError) {
    return { status: error.statusCode, body: { error: { code: error.code, message: error.message, details: error.details } } };
  }
  if (error instanceof WfError) {
    const status = STATUS_OF_CODE[error.code] ?? 500;
    // Say what happened, not how the client library failed (that goes to the log).
    const message = status === 500 ? "internal error" : status === 503 ? "Redis is unreachable; retry shortly" : error.message;
    return { status, body: { error: { code: error.code, message } } };
  }
  const known = FASTIFY_ERRORS[(error as FastifyError).code ?? ""];
  if (known) return { status: known.status, body: { error: { code: known.code, message: known.message ?? error.message } } };
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: { error: { code: "BAD_REQUEST", message: error.message } } };
  }
  return { status: 500, body: { error: { code: "INTERNAL_ERROR", message: "internal error" } } };
}

/** Installs the error and not-found handlers: one JSON shape, stable codes, never a stack trace. */
export function installErrorHandling(app: FastifyInstance, hooks: { onStoreUnavailable?: () => void } = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = toErrorResponse(error);
    if (body.error.code === "STORE_UNAVAILABLE") hooks.onStoreUnavailable?.();
    if (status === 503) request.log.warn({ reason: error.message }, "request refused: Redis unreachable");
    else if (status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: body.error.code }, "request refused");
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: "ROUTE_NOT_FOUND", message: `no route ${request.method} ${request.url}` } }),
  );
}
