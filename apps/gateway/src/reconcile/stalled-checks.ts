import { Worker } from "bullmq";
import type { RedisConnection } from "@wf/state-redis";

/** The stalled-job checks the gateway runs on node queues (see {@link createStalledChecks}). */
export interface StalledChecks {
  /** Starts checking `queueName` (once; later calls do nothing). */
  watch(queueName: string): void;
  /** The queues being checked. */
  readonly watched: ReadonlySet<string>;
  close(): Promise<void>;
}

/**
 * BullMQ moves a job whose worker died back to its queue only from inside a worker of that queue
 * (its stalled check): a job whose service has no live worker would stay `active` for ever, with
 * its node frozen `IN_PROGRESS`. The reconciler starts this check, BullMQ's own (a worker that
 * fetches no jobs: BullMQ's "manually fetching jobs" pattern), on the queue of every node it finds
 * without a lock, so the job is back in its queue within two `stalledIntervalMs` and runs as soon
 * as a worker of the service starts; one that stalled more than `maxStalledCount` times fails,
 * and the reconciler fails its node. Checks from several gateways and workers do not collide
 * (BullMQ takes a lock for each pass).
 */
export function createStalledChecks(connection: RedisConnection, prefix: string, stalledIntervalMs = 30_000): StalledChecks {
  const workers = new Map<string, Worker>();
  const watched = new Set<string>();
  return {
    watched,
    watch(queueName) {
      if (workers.has(queueName)) return;
      const worker = new Worker(queueName, null, { connection, prefix, autorun: false, stalledInterval: stalledIntervalMs });
      worker.on("error", () => undefined);
      workers.set(queueName, worker);
      watched.add(queueName);
      void worker.startStalledCheckTimer().catch(() => undefined);
    },
    async close() {
      await Promise.all([...workers.values()].map((worker) => worker.close()));
    },
  };
}
