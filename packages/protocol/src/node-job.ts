import { z } from "zod";
import { TaskIdSchema, TaskNameSchema, parseTaskName } from "@wf/context";

/**
 * The payload of a node job on `<service>_queue`: what the gateway enqueues and a worker runs.
 * The job's name is the task name.
 */
export const NodeJobDataSchema = z.object({
  task_id: TaskIdSchema,
  task_name: TaskNameSchema,
  input_data: z.record(z.string(), z.unknown()),
  /** The callback URL as the client sent it; state keeps it with its secrets masked. */
  callback_url: z.string().nullish(),
  /** Folders the requesting team's inputs are confined to (within the worker's own roots). */
  input_roots: z.array(z.string()).optional(),
  /** `false`: the request turned output uploads off (the worker's object store is not used for this node's outputs). */
  upload_outputs: z.boolean().optional(),
  /**
   * The node's state exactly as the gateway wrote it with the job (a `WorkflowContext`, secrets
   * masked), so the worker starts without reading it back. The worker's first write still proves
   * that the node is this job's attempt and not finished (the store's attempt token and status
   * rule). Absent from jobs of gateways before it: the worker then reads the node.
   */
  pending_view: z.looseObject({}).optional(),
});

/** The payload of a node job. */
export type NodeJobData = z.infer<typeof NodeJobDataSchema>;

/** The queue that runs a node: `<service>_queue`, as the original Celery queues were named. */
export function queueNameOf(taskName: string): string {
  return `${parseTaskName(taskName).service}_queue`;
}

/** A request, published to workers, to stop a running node. */
export const CancelMessageSchema = z.object({ task_id: TaskIdSchema, task_name: TaskNameSchema });

/** A request to stop a running node. */
export type CancelMessage = z.infer<typeof CancelMessageSchema>;
