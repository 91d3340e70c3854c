import type { FastifyInstance } from "fastify";

/**
 * Parses `application/json` as Fastify does, except that an empty (or blank) body is no body:
 * clients of the original send `content-type: application/json` with nothing on routes that take
 * no body (cancel, retry, delete). A route that needs a body still refuses it through its schema.
 */
export function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (typeof body === "string" && body.trim() === "") {
      done(null, undefined);
      return;
    }
    parseJson(request, body.toString(), done);
  });
}
