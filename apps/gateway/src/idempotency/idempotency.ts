import { createHash } from "node:crypto";
import type { RedisConnection, StateStore } from "@wf/state-redis";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../errors/api-error.js";

/** How long an answer is remembered for its key. */
const KEEP_SECONDS = 86_400;
/** How long a request waits for a concurrent one with the same key to finish. */
const WAIT_FOR_FIRST_MS = 10_000;
const HEADER_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface Remembered {
  fingerprint: string;
  done: boolean;
  statusCode?: number;
  body?: unknown;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * Runs `handler` at most once per `Idempotency-Key` (header) and route, as Stripe does: a
 * request repeating a key with the same body within a day gets the first answer again (header
 * `idempotent-replayed: true`) and starts nothing; the same key with another body is a 409
 * `IDEMPOTENCY_KEY_REUSED`. Concurrent requests with one key wait for the first (up to 10 s,
 * else 409 `IDEMPOTENCY_IN_PROGRESS`). A request that fails is forgotten, so it can be retried.
 * Without the header, `handler` simply runs.
 */
export async function idempotent<T>(
  deps: { redis: RedisConnection; store: StateStore },
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  handler: () => Promise<T>,
): Promise<T> {
  const header = request.headers["idempotency-key"];
  if (header === undefined) return handler();
  if (typeof header !== "string" || !HEADER_PATTERN.test(header)) {
    throw new ApiError(400, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be 1-255 printable ASCII characters");
  }
  // Keys are per team: one team's key never answers (or blocks) another's request.
  const team = request.principal.kind === "team" ? request.principal.team : "";
  const key = deps.store.keys.idempotencyKey(sha256(`${scope}\n${team}\n${header}`));
  const fingerprint = sha256(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`);
  const pending: Remembered = { fingerprint, done: false };

  if ((await deps.redis.set(key, JSON.stringify(pending), "EX", KEEP_SECONDS, "NX")) !== "OK") {
    const first = await waitForFirst(deps.redis, key);
    if (first && first.fingerprint !== fingerprint) {
      throw new ApiError(409, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with another request; use a new key");
    }
    if (!first) return idempotent(deps, request, reply, scope, handler); // the first failed and was forgotten
    if (!first.done) throw new ApiError(409, "IDEMPOTENCY_IN_PROGRESS", "a request with this Idempotency-Key is still running; retry shortly");
    void reply.header("idempotent-replayed", "true").status(first.statusCode ?? 200);
    return first.body as T;
  }
  try {
    const body = await handler();
    const done: Remembered = { fingerprint, done: true, statusCode: reply.statusCode, body };
    await deps.redis.set(key, JSON.stringify(done), "EX", KEEP_SECONDS);
    return body;
  } catch (error) {
    await deps.redis.del(key).catch(() => undefined);
    throw error;
  }
}

async function waitForFirst(redis: RedisConnection, key: string): Promise<Remembered | null> {
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const raw = await redis.get(key);
    const remembered = raw === null ? null : (JSON.parse(raw) as Remembered);
    if (!remembered || remembered.done || Date.now() >= deadline) return remembered;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
