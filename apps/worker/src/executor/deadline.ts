import type { Logger } from "pino";

/** The node's time limit, running: a signal that aborts at the deadline, and a race against it. */
export interface Deadline {
  /** Aborted when the caller's signal aborts or the deadline passes. */
  readonly signal: AbortSignal;
  /** Whether the deadline (not a cancellation) ended the run. */
  readonly expired: boolean;
  /** `work`, or a rejection at the deadline even if `work` ignores the signal. */
  race<T>(work: Promise<T>): Promise<T>;
  /** Clears the timers. */
  clear(): void;
}

/** Error of a node that ran past its time limit. */
export class NodeTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${formatSeconds(timeoutMs)}`);
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Starts a node's time limit: a warning is logged at 80 % of `timeoutMs` (the original's soft
 * level), and at `timeoutMs` the returned signal aborts, so the handler's child processes are
 * killed, and {@link Deadline.race} rejects with {@link NodeTimeoutError}.
 */
export function startDeadline(timeoutMs: number, cancel: AbortSignal, logger: Logger): Deadline {
  // One controller, linked to `cancel` by a listener removed in `clear()`: AbortSignal.any and
  // AbortSignal.timeout cost every job weak references and finalizers the GC then has to trace.
  const controller = new AbortController();
  const onCancel = (): void => controller.abort(cancel.reason);
  if (cancel.aborted) onCancel();
  else cancel.addEventListener("abort", onCancel, { once: true });
  let expired = false;
  let rejectRace: ((error: Error) => void) | undefined;
  const warning = setTimeout(() => logger.warn({ timeoutMs, elapsedMs: Math.round(timeoutMs * 0.8) }, "node has used 80% of its time limit"), timeoutMs * 0.8);
  const hard = setTimeout(() => {
    expired = true;
    const error = new NodeTimeoutError(timeoutMs);
    controller.abort(error);
    rejectRace?.(error);
  }, timeoutMs);
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    race(work) {
      if (expired) return Promise.reject(new NodeTimeoutError(timeoutMs));
      return Promise.race([work, new Promise<never>((_resolve, reject) => (rejectRace = reject))]);
    },
    clear() {
      clearTimeout(warning);
      clearTimeout(hard);
      cancel.removeEventListener("abort", onCancel);
    },
  };
}
