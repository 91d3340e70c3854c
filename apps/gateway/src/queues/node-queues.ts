import { queueNameOf, type NodeJobData } from "@wf/context";
import { Queue, type ConnectionOptions } from "bullmq";

/** Retention of finished jobs in the queue, matching the one-day life of task state. */
const KEEP_FINISHED = { age: 86_400 };

/** The gateway's producers for `<service>_queue`, opened on first use. */
export class NodeQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix = "bull",
  ) {}

  /** Enqueues a node job on its service queue; resolves with the job id. */
  async enqueue(job: NodeJobData): Promise<string> {
    const added = await this.queueOf(job.task_name).add(job.task_name, job, {
      removeOnComplete: KEEP_FINISHED,
      removeOnFail: KEEP_FINISHED,
    });
    return added.id ?? "";
  }

  /** Closes every queue opened so far. */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }

  private queueOf(taskName: string): Queue {
    const name = queueNameOf(taskName);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }
}
