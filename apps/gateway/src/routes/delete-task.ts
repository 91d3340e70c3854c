import { isTerminalStageStatus } from "@wf/context";
import { ObjectStoreError, taskObjectPrefix } from "@wf/object-store";
import type { FastifyBaseLogger } from "fastify";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { ApiError } from "../errors/api-error.js";
import { DELETE_RESOURCES, DeleteTaskBodySchema, DeleteTaskResponseSchema, commonErrors, ErrorResponseSchema, TaskParamsSchema } from "../schemas/tasks.js";
import { removeTaskFolder } from "../storage/task-folder.js";
import { taskStatusOfView } from "../task-view.js";
import { attemptJobIds } from "../tasks/attempts.js";
import { cancelNodes } from "../tasks/cancel-nodes.js";
import { requireTask } from "../tasks/require-task.js";

/** How long a delete waits for a cancelled handler to release its job before removing it. */
const JOB_RELEASE_TIMEOUT_MS = 10_000;

/** One resource's outcome, as the original's `ResourceDeletionItem` (every field present, null when empty). */
type ResourceResult = {
  resource: (typeof DELETE_RESOURCES)[number];
  status: "deleted" | "skipped" | "failed";
  message: string;
  retriable: boolean | null;
  details: Record<string, unknown> | null;
};

/** A resource outcome with the original's empty fields filled in. */
const outcome = (result: Pick<ResourceResult, "resource" | "status" | "message"> & Partial<ResourceResult>): ResourceResult => ({ retriable: null, details: null, ...result });

/** Removes every object under `<task_id>/` in the default bucket (the task's uploaded outputs and fetched inputs). */
async function removeTaskObjects(deps: GatewayDeps, taskId: string, log: FastifyBaseLogger): Promise<ResourceResult> {
  const store = deps.objectStore;
  if (!store) return outcome({ resource: "minio", status: "skipped", message: "object storage is not configured" });
  const prefix = taskObjectPrefix(taskId);
  try {
    const removed = await store.removePrefix(store.config.bucket, prefix);
    if (removed === 0) return outcome({ resource: "minio", status: "skipped", message: `no objects under ${store.config.bucket}/${prefix}`, details: { bucket: store.config.bucket, prefix, objects: 0 } });
    return outcome({ resource: "minio", status: "deleted", message: `removed ${removed} object(s) under ${store.config.bucket}/${prefix}`, details: { bucket: store.config.bucket, prefix, objects: removed } });
  } catch (error) {
    log.error({ err: error, taskId }, "could not remove the task's objects");
    const retriable = error instanceof ObjectStoreError ? error.retriable : true;
    return outcome({ resource: "minio", status: "failed", message: `could not remove the objects under ${store.config.bucket}/${prefix}: ${error instanceof Error ? error.message : String(error)}`, retriable, details: { bucket: store.config.bucket, prefix } });
  }
}

/** `POST /v1/tasks/:id/delete`: removes the task's folder and every Redis key; reports per resource. */
export function registerDeleteTask(app: ZodApp, deps: GatewayDeps): void {
  app.post(
    "/v1/tasks/:id/delete",
    {
      schema: {
        operationId: "deleteTask",
        summary: "Delete a task's files and state",
        tags: ["tasks"],
        params: TaskParamsSchema,
        body: DeleteTaskBodySchema,
        response: {
          200: DeleteTaskResponseSchema,
          400: ErrorResponseSchema,
          404: ErrorResponseSchema,
          409: ErrorResponseSchema,
          ...commonErrors({ body: true }),
        },
      },
    },
    async (request) => {
      const taskId = request.params.id;
      const task = await requireTask(deps.store, taskId, request.principal);
      const status = taskStatusOfView(task);
      if ((status === "pending" || status === "running") && request.body?.force !== true) {
        throw new ApiError(409, "TASK_ACTIVE", `task ${taskId} is ${status}; cancel it first or pass {"force": true}`);
      }
      // A forced delete stops the task first: no handler keeps running, no job keeps its input.
      const active = Object.entries(task.stages).filter(([, stage]) => !isTerminalStageStatus(stage.status));
      if (active.length > 0) await cancelNodes(deps, taskId, task, active, request.log);

      const results: ResourceResult[] = [];
      try {
        results.push(outcome({ resource: "local_directory", ...(await removeTaskFolder(deps.sharedRoot, taskId)) }));
      } catch (error) {
        request.log.error({ err: error, taskId }, "could not remove task folder");
        results.push(outcome({ resource: "local_directory", status: "failed", message: "could not remove the task folder", retriable: true }));
      }
      try {
        // The queue keeps each attempt's job (with its unmasked input) for a day: remove them
        // too, every attempt's, once a cancelled handler has let go of its job.
        let jobs = 0;
        for (const [taskName, stage] of Object.entries(task.stages)) {
          for (const jobId of attemptJobIds(stage)) {
            if (await deps.queues.removeJobWhenIdle(taskName, jobId, JOB_RELEASE_TIMEOUT_MS)) jobs += 1;
          }
        }
        const removed = await deps.store.deleteWorkflowState(taskId);
        results.push(outcome({ resource: "redis", status: "deleted", message: `removed ${removed} node key(s) and ${jobs} queue job(s)`, details: { node_keys: removed, queue_jobs: jobs } }));
      } catch (error) {
        request.log.error({ err: error, taskId }, "could not remove task state");
        results.push(outcome({ resource: "redis", status: "failed", message: "could not remove the task's state", retriable: true }));
      }

      results.push(await removeTaskObjects(deps, taskId, request.log));

      const failed = results.filter((result) => result.status === "failed");
      const attempted = results.filter((result) => result.status !== "skipped");
      const overall = failed.length === 0 ? "success" : failed.length === attempted.length ? "failed" : "partial_failed";
      const warnings = failed.map((result) => `${result.resource}: ${result.message}`);
      return { status: overall, results, warnings: warnings.length > 0 ? warnings : null, timestamp: new Date().toISOString() } as const;
    },
  );
}
