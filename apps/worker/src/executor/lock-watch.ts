import { RunLostError } from "../errors.js";
import type { NodeAbort } from "./node-abort.js";

/** What a worker's BullMQ worker reports about its jobs' locks. */
export interface LockEvents {
  on(event: "locksRenewed", listener: (renewed: { count: number; jobIds: string[] }) => void): unknown;
  on(event: "lockRenewalFailed", listener: (jobIds: string[]) => void): unknown;
}

/** The running jobs whose locks are watched (see {@link watchJobLocks}). */
export interface JobLockWatch {
  /** Watches a job from now (it was just taken, with a fresh lock) until `untrack`. */
  track(jobId: string, abort: NodeAbort): void;
  untrack(jobId: string): void;
  stop(): void;
}

/**
 * Stops a node as soon as its job may no longer be its worker's: when BullMQ reports that a lock
 * could not be renewed (another worker holds the job, or it is gone), or when no renewal
 * succeeded for a whole `lockDurationMs` on this process's own clock (cut off from Redis, or
 * frozen), after which Redis lets the lock lapse and another worker may take the job. Either way
 * the run is aborted with a `RunLostError`: its handler and processes are stopped before the
 * job can run elsewhere, and the store's run fence refuses whatever it still tries to write.
 */
export function watchJobLocks(worker: LockEvents, lockDurationMs: number): JobLockWatch {
  const running = new Map<string, { abort: NodeAbort; renewedAt: number }>();
  const lose = (jobId: string, reason: string): void => running.get(jobId)?.abort.abort(new RunLostError(reason));
  worker.on("locksRenewed", ({ jobIds }) => {
    const now = Date.now();
    for (const jobId of jobIds) {
      const entry = running.get(jobId);
      if (entry) entry.renewedAt = now;
    }
  });
  worker.on("lockRenewalFailed", (jobIds) => {
    for (const jobId of jobIds) lose(jobId, "the job's lock could not be renewed: another worker holds the job, or it is gone");
  });
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [jobId, entry] of running) {
      if (now - entry.renewedAt > lockDurationMs) lose(jobId, `the job's lock was not renewed for ${Math.round(lockDurationMs / 1000)} s (Redis out of reach, or this process was frozen): another worker may run it`);
    }
  }, Math.max(100, Math.min(1_000, lockDurationMs / 10)));
  timer.unref();
  return {
    track: (jobId, abort) => running.set(jobId, { abort, renewedAt: Date.now() }),
    untrack: (jobId) => running.delete(jobId),
    stop: () => clearInterval(timer),
  };
}
