import { randomUUID } from "node:crypto";
import { failedNodeView, isTerminalStageStatus, type StageExecution, type WorkflowContext } from "@wf/context";
import { advancePipeline, queueNameOf } from "@wf/protocol";
import type { ActiveNodeEntry, ActiveNodes, StateStore } from "@wf/state-redis";
import type { FastifyBaseLogger } from "fastify";
import type { NodeQueues } from "../queues/node-queues.js";
import type { StalledChecks } from "./stalled-checks.js";

/**
 * Timing of the reconciler. A started node is first checked `graceMs` after its start, then
 * every `recheckMs` while its job is live; the reconciler wakes every `intervalMs`. So a node
 * whose job is gone or failed becomes FAILED at most `graceMs + intervalMs` after its start, or
 * `recheckMs + intervalMs` after its job was lost later.
 */
export const RECONCILE_DEFAULTS = { intervalMs: 15_000, graceMs: 30_000, recheckMs: 60_000 } as const;

/** Entries a pass checks at once. */
const CHECKS_IN_FLIGHT = 32;

/** Options of {@link startReconciler}. */
export interface ReconcilerOptions {
  store: StateStore;
  queues: NodeQueues;
  active: ActiveNodes;
  logger: FastifyBaseLogger;
  intervalMs?: number;
  recheckMs?: number;
  /** Due entries read at a time; a pass reads batch after batch until none is due (for up to one interval). Default 500. */
  batch?: number;
  /** Called for every node the reconciler fails (for metrics). */
  onReconciled?: (taskName: string) => void;
  /**
   * BullMQ's stalled checks, started on the queue of a running node found without its lock, so
   * that its job is taken back even when no worker of its service runs. Without it, only the
   * workers' own checks take jobs back.
   */
  stalledChecks?: StalledChecks;
  /** Whether a live worker runs `taskName` (the registry), for the liveness message. */
  isServed?: (taskName: string) => Promise<boolean>;
  /** The stalled-check period of the workers and of `stalledChecks`, for the liveness message. Default 30 s. */
  stalledIntervalMs?: number;
}

/** Stage fields the reconciler sets on a running node whose worker is gone, and clears when one runs it again. */
const LIVENESS_FIELDS = ["worker_lost_at", "takeover"] as const;

/** A running reconciler. */
export interface Reconciler {
  /** Runs one pass now if this replica holds the lease; resolves with the nodes it failed. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** Why a node's job is not live, or `null` when it is (waiting, delayed, active, …). */
function deadJobReason(job: { state: string; failedReason: string | undefined } | undefined): string | null {
  if (!job) return "its job is gone (the queue lost it or it was never added)";
  if (job.state === "failed") return `its job failed: ${job.failedReason ?? "no reason given"}`;
  if (job.state === "completed") return "its job ended without recording a result";
  return null;
}

/**
 * Every PENDING or IN_PROGRESS node has a live job, or becomes FAILED with the reason: this loop
 * checks the started nodes that are due (see `ActiveNodes`) against their BullMQ jobs. One
 * replica of a deployment runs it at a time (a lease in Redis); the others stand by.
 */
export function startReconciler(options: ReconcilerOptions): Reconciler {
  const { store, queues, active, logger } = options;
  const intervalMs = options.intervalMs ?? RECONCILE_DEFAULTS.intervalMs;
  const recheckMs = options.recheckMs ?? RECONCILE_DEFAULTS.recheckMs;
  const holder = randomUUID();
  let running: Promise<number> | undefined;

  const advance = (taskId: string, callbackUrl?: string | null) => advancePipeline({ store, jobs: queues.pipelineJobs }, taskId, callbackUrl);

  /**
   * Checks a node that is still pending or running against its job. A node that waits for others
   * is looked at every interval: if its dependencies ended while no process moved the pipeline on
   * (the worker that ended the last one died first), its job is released or the node cancelled
   * here.
   */
  async function check(entry: ActiveNodeEntry, view: WorkflowContext, stage: StageExecution, now: number): Promise<boolean> {
    const jobId = typeof stage["job_id"] === "string" ? stage["job_id"] : undefined;
    const job = jobId ? await queues.jobStatus(entry.taskName, jobId) : undefined;
    const reason = jobId ? deadJobReason(job) : "it names no job";
    if (reason === null) {
      const waits = Array.isArray(stage["depends_on"]) && stage.status === "PENDING";
      if (waits) {
        const done = await advance(entry.taskId, job?.data.callback_url ?? null);
        if (done.released.length + done.cancelled.length > 0) logger.warn({ taskId: entry.taskId, ...done }, "reconciler moved a pipeline on that no process had");
      }
      // A running node is looked at every interval, so that a lost worker shows within one.
      const running = stage.status === "IN_PROGRESS" && jobId !== undefined && job !== undefined;
      if (running) await showLiveness(entry, view, stage, jobId, job.state);
      await active.reschedule(entry, now + (waits || running ? intervalMs : recheckMs));
      return false;
    }
    const failed = await failNode(view, entry.taskName, reason, jobId, job?.data.callback_url ?? null);
    await advance(entry.taskId, job?.data.callback_url ?? null);
    await active.remove(entry);
    if (failed) {
      logger.warn({ taskId: entry.taskId, node: entry.taskName, reason }, "reconciler failed a node without a live job");
      options.onReconciled?.(entry.taskName);
    }
    return failed;
  }

  /**
   * Marks a running node whose worker is gone (its job's lock lapsed: the worker was killed,
   * frozen or cut off; or its job is back in the queue) with `worker_lost_at` and a `takeover`
   * sentence saying what happens next, which `/status`, the events and the dashboard show; and
   * clears the mark once a worker holds the job again (a worker that takes the node over writes
   * its stage afresh, without them, too).
   */
  async function showLiveness(entry: ActiveNodeEntry, view: WorkflowContext, stage: StageExecution, jobId: string, jobState: string): Promise<void> {
    const queueName = queueNameOf(entry.taskName);
    const service = queueName.replace(/_queue$/, "");
    const held = jobState === "active" && (await queues.lockHeld(entry.taskName, jobId));
    let takeover: string | undefined;
    if (!held) {
      options.stalledChecks?.watch(queueName);
      const served = (await options.isServed?.(entry.taskName)) ?? true;
      const withinSeconds = Math.round((2 * (options.stalledIntervalMs ?? 30_000)) / 1000);
      if (jobState === "active") {
        takeover = served
          ? `its worker stopped renewing the job's lock (killed, frozen or cut off from Redis); a worker of ${service} takes it over within ${withinSeconds} s`
          : `its worker is gone and no live worker runs ${service}; its job goes back to ${queueName} within ${withinSeconds} s and runs when a worker of ${service} starts`;
      } else {
        takeover = served
          ? `its worker was lost; the job is back in ${queueName} and a worker of ${service} takes it next`
          : `its worker was lost; the job is back in ${queueName}, waiting for a worker of ${service} (none runs now)`;
      }
    }
    if (stage["takeover"] === takeover) return;
    const marked: StageExecution = { ...stage };
    for (const field of LIVENESS_FIELDS) delete marked[field];
    if (takeover) Object.assign(marked, { worker_lost_at: typeof stage["worker_lost_at"] === "string" ? stage["worker_lost_at"] : new Date().toISOString(), takeover });
    const result = await store.updateWorkflowState({ ...view, stages: { [entry.taskName]: marked } }, { attempt: jobId });
    if (result.written && takeover) logger.warn({ taskId: entry.taskId, node: entry.taskName, jobState, takeover }, "a running node lost its worker");
  }

  async function failNode(
    view: WorkflowContext,
    taskName: string,
    reason: string,
    jobId: string | undefined,
    callbackUrl: string | null,
  ): Promise<boolean> {
    const result = await store.updateWorkflowState(failedNodeView(view, taskName, reason), jobId ? { attempt: jobId } : {});
    // A pipeline's nodes share one callback, sent by advancePipeline once the task is final.
    if (result.written && view.input_params.callback_url && view.stages[taskName]?.["pipeline_id"] === undefined) {
      await queues.enqueueCallback({ task_id: view.workflow_id, task_name: taskName, callback_url: callbackUrl });
    }
    return result.written;
  }

  /**
   * The node's view and stage, or `null` when there is nothing to watch: the node is final or
   * gone, or the entry's attempt was replaced (the new attempt has an entry of its own). A final
   * node still watched is one whose worker never took it off the watch: it may have died before
   * moving the node's pipeline on, so that is done here.
   */
  async function activeStage(entry: ActiveNodeEntry): Promise<{ view: WorkflowContext; stage: StageExecution } | null> {
    const view = await store.getNodeState(entry.taskId, entry.taskName);
    const stage: StageExecution | undefined = view?.stages[entry.taskName];
    if (!view || !stage) return null;
    if (isTerminalStageStatus(stage.status)) {
      const done = await advance(entry.taskId);
      if (done.released.length + done.cancelled.length > 0) logger.warn({ taskId: entry.taskId, node: entry.taskName, ...done }, "reconciler moved on a pipeline whose node's worker had not");
      return null;
    }
    return entry.attempt !== undefined && stage["job_id"] !== entry.attempt ? null : { view, stage };
  }

  /**
   * Checks `entries`, {@link CHECKS_IN_FLIGHT} at a time: those whose node is final or gone (the
   * usual case) leave the set in one command; the others are checked against their jobs. Returns
   * how many it settled, and how many of those it failed.
   */
  async function checkAll(entries: ActiveNodeEntry[], now: number): Promise<{ settled: number; failed: number }> {
    let next = 0;
    let settled = 0;
    let failed = 0;
    const finished: ActiveNodeEntry[] = [];
    const lane = async (): Promise<void> => {
      for (let entry = entries[next++]; entry; entry = entries[next++]) {
        try {
          const found = await activeStage(entry);
          if (!found) finished.push(entry);
          else {
            if (await check(entry, found.view, found.stage, now)) failed += 1;
            settled += 1;
          }
        } catch (error) {
          logger.warn({ err: error, taskId: entry.taskId, node: entry.taskName }, "reconciler could not check a node; will retry");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHECKS_IN_FLIGHT, entries.length) }, lane));
    try {
      await active.remove(...finished);
      settled += finished.length;
    } catch (error) {
      logger.warn({ err: error, nodes: finished.length }, "reconciler could not forget finished nodes; will retry");
    }
    return { settled, failed };
  }

  // Every node a gateway starts is due once, after the grace period: a pass settles every due
  // entry, batch after batch, for up to one interval. (One batch per interval would fall behind
  // for good, and the set would grow without bound, once nodes start faster than a batch per
  // interval: 500 per 15 s is 33 a second.)
  async function pass(): Promise<number> {
    if (!(await active.claimReconcilerLease(holder, intervalMs * 3))) return 0;
    const started = Date.now();
    const batch = options.batch ?? 500;
    let failed = 0;
    for (;;) {
      const due = await active.due(started, batch);
      const done = await checkAll(due, started);
      failed += done.failed;
      if (due.length < batch || done.settled === 0 || Date.now() - started >= intervalMs) return failed;
    }
  }

  const runOnce = (): Promise<number> => {
    running ??= pass().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => logger.warn({ err: error }, "reconciler pass failed; will retry"));
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
      await active.releaseReconcilerLease(holder).catch(() => undefined);
    },
  };
}
