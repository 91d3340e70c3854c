import type { Queue } from "bullmq";
import { CALLBACK_QUEUE, callbackJobOptions } from "../callback-job.js";
import { queueNameOf, type NodeJobData } from "../node-job.js";
import type { PipelineJobs } from "./advance-pipeline.js";
import { releaseWaitingJob } from "./waiting-jobs.js";

/**
 * {@link PipelineJobs} on BullMQ queues: `queueNamed` opens (or returns the open) queue of a name,
 * with the deployment's connection and prefix; callbacks go to `wf_callbacks` with `callbackRetry`.
 */
export function createQueuePipelineJobs(queueNamed: (name: string) => Queue, callbackRetry: { attempts?: number | undefined; backoffMs?: number | undefined } = {}): PipelineJobs {
  return {
    async release(taskName, jobId) {
      await releaseWaitingJob(queueNamed(queueNameOf(taskName)), jobId);
    },
    async discard(taskName, jobId) {
      const job = await queueNamed(queueNameOf(taskName)).getJob(jobId);
      if (!job) return null;
      const state = await job.getState();
      if (state === "delayed" || state === "waiting" || state === "prioritized") await job.remove().catch(() => undefined);
      return (job.data as NodeJobData).callback_url ?? null;
    },
    async enqueueCallback(data, jobId) {
      await queueNamed(CALLBACK_QUEUE).add("callback", data, { ...callbackJobOptions(callbackRetry.attempts, callbackRetry.backoffMs), jobId });
    },
  };
}
