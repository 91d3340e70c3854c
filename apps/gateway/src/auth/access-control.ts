import { timingSafeEqual } from "node:crypto";
import type { TeamQuotas } from "@wf/state-redis";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { errorBody } from "../errors/error-handler.js";
import type { KeyRing } from "./api-keys.js";
import { ANONYMOUS } from "./principal.js";

/** Requests per second of a team whose key entry sets none. */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 50;

/** Who may call what (see the README's "Running for several teams"). */
export interface AccessOptions {
  /** The API keys; without them every `/v1` request is anonymous (loopback-only by default). */
  keys?: KeyRing | undefined;
  /** Bearer token `/metrics` requires; open when unset. */
  metricsToken?: string | undefined;
  /** Serve `/docs` and `/openapi.json` to anyone (default); else to API keys only. */
  publicDocs?: boolean;
  /** Per-team request rate limits (only with keys). */
  quotas?: TeamQuotas | undefined;
}

const bearerOf = (request: FastifyRequest): string | undefined => /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function refuse(reply: FastifyReply, message: string): FastifyReply {
  return reply.status(401).header("www-authenticate", 'Bearer realm="wf"').send(errorBody("UNAUTHENTICATED", message));
}

/**
 * Authenticates every `/v1` and `/api` request but the health check (`Authorization: Bearer <key>`, 401
 * `UNAUTHENTICATED` otherwise), applies the team's rate limit (429 `RATE_LIMITED` with
 * `Retry-After`), and guards `/metrics` and the docs as configured.
 */
export function installAccessControl(app: FastifyInstance, options: AccessOptions): void {
  app.decorateRequest("principal", null as never);
  app.addHook("onRequest", async (request, reply) => {
    request.principal = ANONYMOUS;
    const path = (request.url.split("?", 1)[0] ?? "").replace(/\/+$/, "");
    if (path === "/metrics") {
      if (options.metricsToken && !sameSecret(bearerOf(request) ?? "", options.metricsToken)) return refuse(reply, "send the metrics token as a Bearer token");
      return;
    }
    const docs = path === "/openapi.json" || path === "/docs" || path.startsWith("/docs/");
    if (!path.startsWith("/v1/") && !path.startsWith("/api/") && !docs) return;
    if (path === "/v1/tasks/health" || (docs && options.publicDocs !== false)) return;
    if (!options.keys) {
      if (docs) return reply.status(404).send(errorBody("ROUTE_NOT_FOUND", "the API documentation is not served here"));
      return;
    }
    const key = bearerOf(request);
    if (!key) return refuse(reply, "send your API key as Authorization: Bearer <key>");
    const entry = options.keys.authenticate(key);
    if (!entry) return refuse(reply, "this API key is not valid");
    request.principal = { kind: "team", team: entry.team, admin: entry.role === "admin", entry };
    if (options.quotas && !docs) {
      const limit = entry.rate_limit_per_second ?? DEFAULT_RATE_LIMIT_PER_SECOND;
      const { allowed, retryAfterSeconds } = await options.quotas.countRequest(entry.team, limit);
      if (!allowed) {
        return reply
          .status(429)
          .header("retry-after", String(retryAfterSeconds))
          .send(errorBody("RATE_LIMITED", `team ${entry.team} is over its ${limit} requests per second; retry after ${retryAfterSeconds} s`));
      }
    }
  });
}
