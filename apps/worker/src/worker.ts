import { NodeJobDataSchema, parseTaskName, queueNameOf } from "@wf/context";
import { createStateStore, type KeyLayout, type RedisConnection } from "@wf/state-redis";
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { executeNode, type ExecutionOutcome } from "./executor/execute-node.js";
import type { NodeDefinition } from "./nodes/define-node.js";

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** The nodes this worker runs; one BullMQ worker is started per service queue among them. */
  nodes: readonly NodeDefinition[];
  /** ioredis client used for state and (duplicated, as BullMQ requires) for the queues. */
  redis: RedisConnection;
  /** Jobs run at once per queue. Default 2. */
  concurrency?: number;
  /** Root of the task folders (`<root>/<task_id>`). Must match the gateway's `WF_SHARED_ROOT`. */
  sharedRoot: string;
  /** Folders local inputs may come from. Default: `[sharedRoot]`. */
  inputRoots?: readonly string[];
  ffmpegPath?: string;
  ffprobePath?: string;
  logger?: Logger;
  keyLayout?: KeyLayout;
  /** BullMQ key prefix. Default `bull`; use a hash tag such as `{wf}` on a Redis Cluster. */
  queuePrefix?: string;
}

/** A running worker. */
export interface RunningWorker {
  /** The queues consumed, e.g. `["ffmpeg_queue"]`. */
  readonly queues: readonly string[];
  /** Stops taking jobs, waits for the running ones to finish, and releases the queue connections. */
  close(): Promise<void>;
}

/**
 * Starts consuming `<service>_queue` for every service among `nodes` and running each job through
 * the executor template, which writes the node's state with `@wf/state-redis`.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const logger = options.logger ?? pino({ name: "wf-worker" });
  const store = createStateStore({ redis: options.redis, keyLayout: options.keyLayout ?? "plain", logger });
  const byName = new Map<string, NodeDefinition>();
  for (const node of options.nodes) {
    if (byName.has(node.name)) throw new Error(`node ${node.name} is defined twice`);
    byName.set(node.name, node);
  }
  const queueNames = [...new Set(options.nodes.map((node) => queueNameOf(node.name)))];
  const deps = {
    store,
    logger,
    sharedRoot: options.sharedRoot,
    inputRoots: options.inputRoots ?? [options.sharedRoot],
    tools: { ffmpeg: options.ffmpegPath ?? "ffmpeg", ffprobe: options.ffprobePath ?? "ffprobe" },
  };
  const connection = options.redis.isCluster
    ? options.redis
    : (options.redis as Redis).duplicate({ maxRetriesPerRequest: null });

  const process = async (job: Job, _token?: string, signal?: AbortSignal): Promise<ExecutionOutcome> => {
    const data = NodeJobDataSchema.safeParse(job.data);
    if (!data.success) {
      logger.error({ jobId: job.id, jobName: job.name }, "dropping a job whose payload is not a node job");
      return "SKIPPED";
    }
    parseTaskName(data.data.task_name);
    return executeNode(deps, byName.get(data.data.task_name), data.data, signal ?? new AbortController().signal);
  };

  const workers = queueNames.map((queueName) => {
    const worker = new Worker(queueName, process, {
      connection,
      concurrency: options.concurrency ?? 2,
      prefix: options.queuePrefix ?? "bull",
    });
    worker.on("error", (error) => logger.error({ err: error, queue: queueName }, "queue worker error"));
    return worker;
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  logger.info({ queues: queueNames, nodes: [...byName.keys()] }, "worker started");

  return {
    queues: queueNames,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      if (connection !== options.redis) await (connection as Redis).quit();
    },
  };
}
