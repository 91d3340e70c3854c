import { Job, type Queue } from "bullmq";

/**
 * How long a waiting node's job is delayed when it is added: far longer than its node lives (a
 * day), so only {@link releaseWaitingJob} starts it. (BullMQ keeps no jobs in a "waiting for
 * dependencies" state outside flows, which are trees; a pipeline is a graph.)
 */
export const WAITING_JOB_DELAY_MS = 30 * 86_400_000;

/**
 * Moves a waiting node's job (added delayed, see {@link WAITING_JOB_DELAY_MS}) to its queue's
 * wait list, atomically (BullMQ's promote script). `false` when it was not delayed: already
 * released, running, finished, removed or never added; so concurrent releases start it once.
 */
export async function releaseWaitingJob(queue: Queue, jobId: string): Promise<boolean> {
  // The promote script needs only the queue and the id: no need to fetch the job first.
  const job = new Job(queue, "", {}, {}, jobId);
  try {
    await job.promote();
    return true;
  } catch {
    return false;
  }
}
