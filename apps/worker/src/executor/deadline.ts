import type { Logger } from "pino";
import type { NodeAbort } from "./node-abort.js";

/** The node's time limit, running: it aborts the node at the deadline, and races it. */
export interface Deadline {
  /** Whether the deadline (not a cancellation) ended the run. */
  readonly expired: boolean;
  /** `work`, or a rejection at the deadline even if `work` ignores the signal. */
  race<T>(work: Promise<T>): Promise<T>;
  /** Clears the timer. */
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
 * level), and at `timeoutMs` the node's `abort` fires, so the handler's child processes are
 * killed, and {@link Deadline.race} rejects with {@link NodeTimeoutError}. One timer at a time:
 * the limit's is set when the warning's fires.
 */
export function startDeadline(timeoutMs: number, abort: NodeAbort, logger: Logger): Deadline {
  let expired = false;
  let rejectRace: ((error: Error) => void) | undefined;
  const expire = (): void => {
    expired = true;
    const error = new NodeTimeoutError(timeoutMs);
    abort.abort(error);
    rejectRace?.(error);
  };
  let timer = setTimeout(() => {
    logger.warn({ timeoutMs, elapsedMs: Math.round(timeoutMs * 0.8) }, "node has used 80% of its time limit");
    timer = setTimeout(expire, timeoutMs - Math.round(timeoutMs * 0.8));
  }, Math.round(timeoutMs * 0.8));
  return {
    get expired() {
      return expired;
    },
    race(work) {
      if (expired) return Promise.reject(new NodeTimeoutError(timeoutMs));
      return Promise.race([work, new Promise<never>((_resolve, reject) => (rejectRace = reject))]);
    },
    clear() {
      clearTimeout(timer);
    },
  };
}
