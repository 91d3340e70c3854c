import { setTimeout as sleep } from "node:timers/promises";
import { isTransientStoreError } from "@wf/state-redis";
import type { Logger } from "pino";

/** How long store calls of a node are retried while Redis refuses them, and how. */
export interface StoreRetryPolicy {
  /** Longest a call is retried for, from its first failure. */
  maxMs: number;
  /** First pause; doubled after each failure up to `maxDelayMs`. Default 200 ms. */
  firstDelayMs?: number;
  /** Longest pause between attempts. Default 5 s. */
  maxDelayMs?: number;
}

/** The worker's default: 10 minutes of retries, so a failover, a restart or a full Redis is waited out. */
export const DEFAULT_STORE_RETRY: StoreRetryPolicy = { maxMs: 10 * 60_000 };

/**
 * Runs `call`, and runs it again with exponential backoff while it fails for a reason that
 * passes (Redis out of memory, unreachable, read-only during a failover, loading: see
 * `isTransientStoreError`), for up to `policy.maxMs`; then, or at once for any other failure,
 * throws the failure. The store's writes are idempotent per attempt (a repeat of a write that
 * landed is refused or rewrites the same state), so a retry never doubles anything.
 */
export async function retryStoreCall<T>(call: () => Promise<T>, what: string, policy: StoreRetryPolicy, logger: Logger): Promise<T> {
  const firstDelay = policy.firstDelayMs ?? 200;
  const maxDelay = policy.maxDelayMs ?? 5_000;
  let failedSince: number | undefined;
  let delay = firstDelay;
  for (;;) {
    try {
      const result = await call();
      if (failedSince !== undefined) logger.info({ what, waitedMs: Date.now() - failedSince }, "redis takes writes again");
      return result;
    } catch (error) {
      if (!isTransientStoreError(error)) throw error;
      const now = Date.now();
      if (failedSince === undefined) {
        failedSince = now;
        logger.warn({ err: error, what, retryForMs: policy.maxMs }, "redis refused a write; retrying until it takes it");
      }
      if (now - failedSince >= policy.maxMs) throw error;
      await sleep(Math.min(delay, policy.maxMs - (now - failedSince)));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
