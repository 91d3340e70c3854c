import { isTerminalStageStatus } from "@wf/context";
import { z } from "zod";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { ApiError } from "../errors/api-error.js";
import { commonErrors, ErrorResponseSchema, TaskParamsSchema } from "../schemas/tasks.js";
import { cancelNodes } from "../tasks/cancel-nodes.js";
import { requireTask } from "../tasks/require-task.js";

/** Answer of `DELETE /v1/tasks/:id`. */
const CancelTaskResponseSchema = z.object({
  task_id: z.string(),
  status: z.literal("cancelled"),
  message: z.string(),
  cancelled: z.array(z.string()).describe("Nodes that were pending or running and are now CANCELLED"),
}).meta({ id: "CancelTaskResponse", example: { task_id: "task-5f0c…", status: "cancelled", message: "cancelled 1 node", cancelled: ["ffmpeg.extract_audio"] } });

/**
 * `DELETE /v1/tasks/:id`: cancels every pending or running node of the task, for real: the node
 * is marked `CANCELLED` first (so no worker starts it and a late result is refused), a queued job
 * is removed from its queue, and workers are told to abort a running handler and its processes.
 */
export function registerCancelTask(app: ZodApp, deps: GatewayDeps): void {
  app.delete(
    "/v1/tasks/:id",
    {
      schema: {
        operationId: "cancelTask",
        summary: "Cancel a task's pending or running nodes",
        tags: ["tasks"],
        params: TaskParamsSchema,
        response: { 200: CancelTaskResponseSchema, 400: ErrorResponseSchema, 404: ErrorResponseSchema, 409: ErrorResponseSchema, ...commonErrors() },
      },
    },
    async (request) => {
      const taskId = request.params.id;
      const task = await requireTask(deps.store, taskId, request.principal);
      const active = Object.entries(task.stages).filter(([, stage]) => !isTerminalStageStatus(stage.status));
      if (active.length === 0) {
        throw new ApiError(409, "TASK_NOT_ACTIVE", `task ${taskId} has no pending or running node to cancel`);
      }

      const cancelled = await cancelNodes(deps, taskId, task, active, request.log);
      if (cancelled.length === 0) {
        throw new ApiError(409, "TASK_NOT_ACTIVE", `task ${taskId} finished before it could be cancelled`);
      }
      return { task_id: taskId, status: "cancelled" as const, message: "task cancelled", cancelled };
    },
  );
}
