import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { CALLBACK_QUEUE, NodeJobDataSchema, advancePipeline, callbackJobOptions, createQueuePipelineJobs, queueNameOf, type CallbackJobData } from "@wf/protocol";
import { connectionEpoch, createActiveNodes, createKeySpace, createStateStore, createWriteCoalescer, type KeyLayout, type RedisConnection } from "@wf/state-redis";
import type { PipelineStep } from "@wf/context";
import type { ObjectStore } from "@wf/object-store";
import { DelayedError, Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { listenForCancellations } from "./cancel/cancel-listener.js";
import { executeNode, type ExecutionOutcome } from "./executor/execute-node.js";
import { NodeAbort } from "./executor/node-abort.js";
import { watchJobLocks, type JobLockWatch } from "./executor/lock-watch.js";
import { recordJobFailure } from "./executor/record-job-failure.js";
import type { DownloadLimits } from "./inputs/download-input.js";
import type { NodeDefinition } from "./nodes/define-node.js";
import { checkWorkerHealth, type WorkerHealth } from "./health/worker-health.js";
import { createWorkerMetrics, type WorkerMetrics } from "./metrics/worker-metrics.js";
import { startRegistryHeartbeat } from "./registry/publish-registry.js";
import { createResourceBroker } from "./resources/resource-broker.js";
import type { ResourceInstanceConfig } from "./resources/resource-config.js";

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
  /** Also read the Python state manager's `{task_id}:{service}:{function}` keys (placeholders and fallbacks see them). Default false. */
  legacyKeys?: boolean;
  /** BullMQ key prefix. Default: the key space's `queuePrefix` (`bull`, or `{bull}` for `hash-tag`). */
  queuePrefix?: string;
  /** This worker's id in the registry. Default `<hostname>-<pid>-<random>`. */
  workerId?: string;
  /** How long a registration lives without a heartbeat. Default 30 s. */
  registryTtlSeconds?: number;
  /**
   * How long a running job's lock lasts without renewal; a worker that dies (SIGKILL, power loss)
   * has its job handed to another worker once the lock expires. Default 30 s (BullMQ's).
   */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. Default 30 s (BullMQ's). */
  stalledIntervalMs?: number;
  /** Delivery attempts of a finished node's callback (delivered by the gateway). Default 5. */
  callbackAttempts?: number;
  /** First retry delay of a callback, doubled each attempt. Default 1000 ms. */
  callbackBackoffMs?: number;
  /** Time limit of a node that sets none, in ms. Default 3,600,000 (one hour). */
  nodeTimeoutMs?: number;
  /** Limits on http(s) inputs. Default: 2 GiB, 10 minutes, public hosts only. */
  downloads?: Partial<DownloadLimits>;
  /** Also collect the process's own metrics (CPU, memory, event loop) in `RunningWorker.metrics`. Default false. */
  processMetrics?: boolean;
  /**
   * The object store (`@wf/object-store`): after a node succeeds, the files its output names in
   * the task's folder are uploaded and the output gains `<field>_minio_url`; `s3://` inputs and
   * upstream files this machine lacks are fetched from it. Default: none (outputs stay on disk).
   */
  objectStore?: ObjectStore;
  /**
   * Shared resources of this machine (e.g. `[{ kind: "gpu", name: "gpu:0", slots: 1 }]`, parsed
   * from `WF_RESOURCES` by `parseResources`): nodes that declare `resources` take a lease on one
   * of them. Every worker process with the same `resourceScope` shares them. Default: none.
   */
  resources?: readonly ResourceInstanceConfig[];
  /** What machine the resources belong to. Default: the host name. */
  resourceScope?: string;
  /** How long a resource lease lasts without renewal. Default 10 s. */
  resourceLeaseMs?: number;
  /** Longest a node waits for its resources unless it sets `resourceWaitMs`. Default 30 min. */
  resourceWaitMs?: number;
  /**
   * How long a node's state reads and writes are retried while Redis refuses them (out of memory,
   * failing over, unreachable), with exponential backoff up to 5 s: a node that has not started
   * waits to start, a finished one keeps its result. Then the node's job fails. Default 600,000
   * (10 minutes).
   */
  storeRetryMs?: number;
  /**
   * Replicas a node's final write must reach (`WAIT`) before its job completes; one that did not
   * within `timeoutMs` is written again, within `storeRetryMs`. Default: not checked.
   */
  replication?: { replicas: number; timeoutMs: number };
  /** Test hook: waits this long between a node's SUCCESS and starting what waited for it. Default 0. */
  pauseAfterSuccessMs?: number;
}

/** A running worker. */
export interface RunningWorker {
  /** This worker's id in the registry. */
  readonly id: string;
  /** The queues consumed, e.g. `["ffmpeg_queue"]`. */
  readonly queues: readonly string[];
  /** Node duration and active-job metrics (serve them with `serveMetrics`). */
  readonly metrics: WorkerMetrics;
  /** Whether Redis answers and the registry heartbeat is recent (serve it with `serveMetrics`). */
  health(): Promise<WorkerHealth>;
  /**
   * Stops taking jobs, waits for the running ones to finish, withdraws the registrations and
   * releases the worker's own connections (never the `redis` it was given).
   */
  close(): Promise<void>;
}

const runningKey = (taskId: string, taskName: string): string => `${taskId}\n${taskName}`;

/**
 * Whether the connection's writes since the previous check reached `replicas` replicas within
 * `timeoutMs` (`WAIT`). A reconnect since the previous check (a failover) answers no: WAIT would
 * speak for the new connection only, so the write is sent again.
 */
function replicatedWith(redis: Redis, replication: { replicas: number; timeoutMs: number }): (since: number) => Promise<boolean> {
  return async (since) => (await redis.wait(replication.replicas, replication.timeoutMs)) >= replication.replicas && connectionEpoch(redis) === since;
}

/**
 * Starts consuming `<service>_queue` for every service among `nodes` and running each job through
 * the executor template, which writes the node's state with `@wf/state-redis`. Publishes the
 * nodes to the registry and listens for cancellations.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const logger = options.logger ?? pino({ name: "wf-worker" });
  const keyLayout = options.keyLayout ?? "plain";
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const metrics = createWorkerMetrics({ defaults: options.processMetrics ?? false });
  const store = createStateStore({ redis: options.redis, keyLayout, legacyKeys: options.legacyKeys ?? false, logger, onCorruptNode: () => metrics.corruptNodeState() });
  const byName = new Map<string, NodeDefinition>();
  for (const node of options.nodes) {
    if (byName.has(node.name)) throw new Error(`node ${node.name} is defined twice`);
    byName.set(node.name, node);
  }
  const queueNames = [...new Set(options.nodes.map((node) => queueNameOf(node.name)))];
  // BullMQ shares the store's connection when it may (its commands never give up: a Cluster, or
  // a client with `maxRetriesPerRequest: null`), so a job's state writes and its queue commands
  // leave in the same socket writes; otherwise it gets a copy that may.
  const connection =
    options.redis.isCluster || (options.redis as Redis).options.maxRetriesPerRequest === null
      ? options.redis
      : (options.redis as Redis).duplicate({ maxRetriesPerRequest: null });
  const coalesceQueueWrites = createWriteCoalescer(connection);
  const prefix = options.queuePrefix ?? createKeySpace(keyLayout).queuePrefix;
  const callbacks = new Queue(CALLBACK_QUEUE, { connection, prefix });
  // The queues of other services, opened when a pipeline first releases one of their jobs.
  const producers = new Map<string, Queue>([[CALLBACK_QUEUE, callbacks]]);
  const producer = (name: string): Queue => {
    let queue = producers.get(name);
    if (!queue) {
      queue = new Queue(name, { connection, prefix });
      queue.on("error", () => undefined);
      producers.set(name, queue);
    }
    return queue;
  };
  const pipelineJobs = createQueuePipelineJobs(producer, { attempts: options.callbackAttempts, backoffMs: options.callbackBackoffMs });
  // The gateway's reconciler watches every started node (its set is scoped by the queue prefix);
  // a worker that finishes an attempt takes it off that watch, so the reconciler only reads the
  // nodes whose worker never reported back.
  const active = createActiveNodes({ redis: options.redis, keyLayout, scope: prefix });
  const unwatch = (taskId: string, taskName: string, attempt: string): void => {
    active.remove({ taskId, taskName, attempt }).catch((error: unknown) => logger.warn({ err: error, taskId, node: taskName }, "could not take a finished node off the reconciler's watch; the reconciler will"));
  };
  const needed = [...new Set(options.nodes.flatMap((node) => node.resources ?? []))];
  const resources =
    (options.resources?.length ?? 0) > 0 || needed.length > 0
      ? await createResourceBroker({
          redis: options.redis,
          keyLayout,
          scope: options.resourceScope ?? hostname(),
          instances: options.resources ?? [],
          leaseMs: options.resourceLeaseMs ?? 10_000,
          workerId,
          logger,
          onWaited: (kind, seconds) => metrics.resourceWaited(kind, seconds),
        })
      : undefined;
  for (const kind of needed.filter((kind) => !resources?.has(kind))) {
    logger.warn({ resource: kind, nodes: options.nodes.filter((node) => node.resources?.includes(kind)).map((node) => node.name) }, "nodes need a resource this worker does not have (WF_RESOURCES); they fail when they run here");
  }
  const deps = {
    store,
    resources,
    resourceWaitMs: options.resourceWaitMs ?? 30 * 60_000,
    logger,
    sharedRoot: options.sharedRoot,
    nodeTimeoutMs: options.nodeTimeoutMs ?? 3_600_000,
    inputRoots: options.inputRoots ?? [options.sharedRoot],
    tools: { ffmpeg: options.ffmpegPath ?? "ffmpeg", ffprobe: options.ffprobePath ?? "ffprobe" },
    downloads: {
      maxBytes: options.downloads?.maxBytes ?? 2 * 1024 ** 3,
      timeoutMs: options.downloads?.timeoutMs ?? 10 * 60_000,
      policy: options.downloads?.policy ?? { allowPrivate: false, allowedHosts: [] },
    },
    queueCallback: async (taskId: string, taskName: string, callbackUrl: string | null) => {
      const data: CallbackJobData = { task_id: taskId, task_name: taskName, callback_url: callbackUrl };
      await callbacks.add("callback", data, callbackJobOptions(options.callbackAttempts, options.callbackBackoffMs));
    },
    advancePipeline: async (taskId: string, callbackUrl: string | null, step?: PipelineStep) => {
      coalesceQueueWrites();
      await advancePipeline({ store, jobs: pipelineJobs }, taskId, callbackUrl, step);
    },
    pauseAfterSuccessMs: options.pauseAfterSuccessMs ?? 0,
    objectStore: options.objectStore,
    storeRetry: { maxMs: options.storeRetryMs ?? 600_000 },
    ...(options.replication && options.replication.replicas > 0 && !options.redis.isCluster
      ? { replicated: replicatedWith(options.redis as Redis, options.replication), connectionEpoch: () => connectionEpoch(options.redis) }
      : {}),
  };
  const running = new Map<string, NodeAbort>();
  const lockDurationMs = options.lockDurationMs ?? 30_000;
  const lockWatches: JobLockWatch[] = [];

  const workers: Worker[] = queueNames.map((queueName) => {
    const worker: Worker = new Worker(
      queueName,
      // Two parameters: BullMQ makes an AbortSignal per job for a processor that takes a third.
      // Cancellation goes through `running` instead, and makes a signal only if the node asks.
      async (job: Job, token?: string): Promise<ExecutionOutcome> => {
        const data = NodeJobDataSchema.safeParse(job.data);
        if (!data.success) {
          logger.error({ jobId: job.id, jobName: job.name }, "dropping a job whose payload is not a node job");
          return "SKIPPED";
        }
        const key = runningKey(data.data.task_id, data.data.task_name);
        const abort = new NodeAbort();
        running.set(key, abort);
        // This take of the job: BullMQ counts takes, so a later take (after this worker was lost)
        // outranks this one in the store's run fence.
        const run = `${job.attemptsStarted}.${randomBytes(4).toString("hex")}`;
        if (job.id) lockWatch.track(job.id, abort);
        metrics.nodeStarted(data.data.task_name);
        const startedAt = performance.now();
        let outcome: ExecutionOutcome | "ERROR" = "ERROR";
        try {
          outcome = await executeNode(deps, byName.get(data.data.task_name), data.data, job.id ?? "", abort, run);
          if (outcome === "LOST") {
            // Not this worker's any more: give the job back if the lock is still ours (it runs
            // again), and leave it alone if another worker has it. Never complete it.
            await job.moveToDelayed(Date.now(), token).catch(() => undefined);
            throw new DelayedError();
          }
          // The attempt is over (its state is written, or belongs to another attempt); a write
          // that threw leaves the entry, so the reconciler settles the node.
          if (job.id) unwatch(data.data.task_id, data.data.task_name, job.id);
          return outcome;
        } finally {
          if (job.id) lockWatch.untrack(job.id);
          running.delete(key);
          metrics.nodeFinished(data.data.task_name, outcome, (performance.now() - startedAt) / 1000);
          // BullMQ records the outcome (and fetches the next job) as soon as this returns: jobs
          // that finish in one event-loop iteration then send theirs in one socket write.
          coalesceQueueWrites();
        }
      },
      {
        connection,
        concurrency: options.concurrency ?? 2,
        prefix,
        lockDuration: lockDurationMs,
        ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
      },
    );
    const lockWatch = watchJobLocks(worker, lockDurationMs);
    lockWatches.push(lockWatch);
    worker.on("error", (error) => logger.error({ err: error, queue: queueName }, "queue worker error"));
    worker.on("failed", (job, error) => {
      if (job) void recordJobFailure(store, job, error.message, logger);
    });
    return worker;
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));

  const cancellations = await listenForCancellations({
    redis: options.redis,
    channel: createKeySpace(keyLayout).cancelChannel,
    logger,
    cancel: (taskId, taskName) => {
      const abort = running.get(runningKey(taskId, taskName));
      abort?.abort(new Error("cancelled"));
      return abort !== undefined;
    },
  });
  const registryTtlSeconds = options.registryTtlSeconds ?? 30;
  const heartbeat = await startRegistryHeartbeat({
    redis: options.redis,
    keyLayout,
    workerId,
    nodes: options.nodes,
    ttlSeconds: registryTtlSeconds,
    logger,
  });
  logger.info({ workerId, queues: queueNames, nodes: [...byName.keys()] }, "worker started");

  return {
    id: workerId,
    queues: queueNames,
    metrics,
    health: () =>
      checkWorkerHealth({
        redis: options.redis,
        queues: queueNames,
        lastHeartbeatAt: () => heartbeat.lastPublishedAt(),
        heartbeatTtlMs: registryTtlSeconds * 1000,
      }),
    async close() {
      await heartbeat.stop();
      await Promise.all(workers.map((worker) => worker.close()));
      for (const watch of lockWatches) watch.stop();
      await cancellations.stop();
      await resources?.close();
      await Promise.all([...producers.values()].map((queue) => queue.close()));
      if (connection !== options.redis) await (connection as Redis).quit();
    },
  };
}
