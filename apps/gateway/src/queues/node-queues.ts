import { CALLBACK_QUEUE, WAITING_JOB_DELAY_MS, callbackJobOptions, createQueuePipelineJobs, queueNameOf, type CallbackJobData, type NodeJobData, type PipelineJobs } from "@wf/protocol";
import { createWriteCoalescer, type RedisConnection } from "@wf/state-redis";
import { Queue, type Job } from "bullmq";

/** Retention of finished jobs in the queue, matching the one-day life of task state. */
const KEEP_FINISHED = { age: 86_400 };

/** Removes a job; `false` when BullMQ refuses because a worker holds its lock. */
async function removed(job: Job): Promise<boolean> {
  try {
    await job.remove();
    return true;
  } catch {
    return false;
  }
}

/** The gateway's producers for `<service>_queue`, opened on first use. */
export class NodeQueues {
  readonly #queues = new Map<string, Queue>();
  readonly #connection: RedisConnection;
  readonly #coalesce: () => void;
  readonly #prefix: string;
  readonly #callbackRetry: { attempts?: number; backoffMs?: number };
  /** The jobs of waiting pipeline nodes: released when their dependencies succeed, removed when they cannot run. */
  readonly pipelineJobs: PipelineJobs;

  /**
   * @param connection - ioredis client or Cluster for the queues (shared by them); commands fail
   *   fast when it does. Jobs that concurrent requests add in one event-loop iteration leave in
   *   one socket write.
   * @param prefix - BullMQ key prefix, shared with the workers (`bull`, `{bull}` on a Cluster).
   * @param callbackRetry - delivery attempts and first backoff of callback jobs.
   */
  constructor(connection: RedisConnection, prefix = "bull", callbackRetry: { attempts?: number; backoffMs?: number } = {}) {
    this.#connection = connection;
    this.#coalesce = createWriteCoalescer(connection);
    this.#prefix = prefix;
    this.#callbackRetry = callbackRetry;
    this.pipelineJobs = createQueuePipelineJobs((name) => this.#queue(name), callbackRetry);
  }

  /** Queues the delivery of a finished node's callback. */
  async enqueueCallback(data: CallbackJobData): Promise<void> {
    await this.#queue(CALLBACK_QUEUE).add("callback", data, callbackJobOptions(this.#callbackRetry.attempts, this.#callbackRetry.backoffMs));
  }

  /**
   * Enqueues a node job on its service queue under `jobId` (unique per attempt). A `waiting` job
   * (a pipeline node whose dependencies have not all succeeded) is added delayed, and runs only
   * once `pipelineJobs.release` lets it.
   */
  async enqueue(job: NodeJobData, jobId: string, options: { waiting?: boolean } = {}): Promise<void> {
    this.#coalesce();
    await this.#queueOf(job.task_name).add(job.task_name, job, {
      jobId,
      removeOnComplete: KEEP_FINISHED,
      removeOnFail: KEEP_FINISHED,
      ...(options.waiting ? { delay: WAITING_JOB_DELAY_MS } : {}),
    });
  }

  /** The payload of a job still kept by its queue, or `undefined`. */
  async jobData(taskName: string, jobId: string): Promise<NodeJobData | undefined> {
    const job = await this.#queueOf(taskName).getJob(jobId);
    return job ? (job.data as NodeJobData) : undefined;
  }

  /** Where a node job is (`waiting`, `active`, `failed`, …) and why it failed; `undefined` once the queue no longer has it. */
  async jobStatus(taskName: string, jobId: string): Promise<{ state: string; failedReason: string | undefined; data: NodeJobData } | undefined> {
    const job = await this.#queueOf(taskName).getJob(jobId);
    if (!job) return undefined;
    const state = await job.getState();
    return state === "unknown" ? undefined : { state, failedReason: job.failedReason || undefined, data: job.data as NodeJobData };
  }

  /**
   * Whether a worker holds the job's lock now (BullMQ's `<job>:lock` key, renewed by the worker
   * that runs it every half lock duration): a running job whose lock is gone lost its worker.
   */
  async lockHeld(taskName: string, jobId: string): Promise<boolean> {
    // The key as BullMQ builds it: the queue's key of the job, plus ":lock".
    return (await this.#connection.exists(`${this.#queueOf(taskName).toKey(jobId)}:lock`)) === 1;
  }

  /**
   * Removes a job's record (input included) unless a worker holds it right now; `true` when it
   * is gone afterwards.
   */
  async removeJob(taskName: string, jobId: string): Promise<boolean> {
    const job = await this.#queueOf(taskName).getJob(jobId);
    return job ? removed(job) : true;
  }

  /**
   * Removes a job once no worker holds it (a cancelled handler releases it within moments),
   * waiting up to `timeoutMs`; `true` when it is gone afterwards.
   */
  async removeJobWhenIdle(taskName: string, jobId: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.removeJob(taskName, jobId)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Removes a job that no worker has started yet. Returns `false` when the job is running (its
   * lock makes BullMQ refuse) or gone.
   */
  async removeIfWaiting(taskName: string, jobId: string): Promise<boolean> {
    const job = await this.#queueOf(taskName).getJob(jobId);
    if (!job) return false;
    const state = await job.getState();
    if (state !== "waiting" && state !== "delayed" && state !== "prioritized") return false;
    return removed(job);
  }

  /** Job counts of a service's queue (`<service>_queue`): waiting, active, delayed, failed, completed. */
  async depth(service: string): Promise<{ waiting: number; active: number; delayed: number; failed: number; completed: number }> {
    const counts = await this.#queue(`${service}_queue`).getJobCounts("waiting", "active", "delayed", "failed", "completed");
    return {
      waiting: counts["waiting"] ?? 0,
      active: counts["active"] ?? 0,
      delayed: counts["delayed"] ?? 0,
      failed: counts["failed"] ?? 0,
      completed: counts["completed"] ?? 0,
    };
  }

  /** Closes every queue opened so far. */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
  }

  #queueOf(taskName: string): Queue {
    return this.#queue(queueNameOf(taskName));
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.#connection, prefix: this.#prefix });
      // Connection errors surface as failed calls (a 503 to the client); the event itself adds nothing.
      queue.on("error", () => undefined);
      this.#queues.set(name, queue);
    }
    return queue;
  }
}
