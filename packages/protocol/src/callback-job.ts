import { z } from "zod";
import { TaskIdSchema, TaskNameSchema } from "@wf/context";

/** The queue on which finished nodes' callbacks wait to be delivered (by the gateway). */
export const CALLBACK_QUEUE = "wf_callbacks";

/** Delivery attempts and first backoff of a callback, unless configured otherwise. */
export const CALLBACK_DEFAULTS = { attempts: 5, backoffMs: 1_000 } as const;

/** The payload of a callback job: which node finished. The delivery reads the rest from state. */
export const CallbackJobDataSchema = z.object({
  task_id: TaskIdSchema,
  task_name: TaskNameSchema,
  /** The unmasked callback URL (state keeps it masked); older jobs without it use the stored one. */
  callback_url: z.string().nullish(),
});

/** The payload of a callback job. */
export type CallbackJobData = z.infer<typeof CallbackJobDataSchema>;

/** Outcome of a callback, stored on the task as `callback_status`. */
export type CallbackStatus = "sent" | "failed" | "invalid_url";

/**
 * BullMQ job options of a callback job: retried with exponential backoff, and removed as soon as
 * it ends (the job holds the unmasked callback URL; the outcome is kept as `callback_status`).
 */
export function callbackJobOptions(attempts: number = CALLBACK_DEFAULTS.attempts, backoffMs: number = CALLBACK_DEFAULTS.backoffMs) {
  return {
    attempts,
    backoff: { type: "exponential" as const, delay: backoffMs },
    removeOnComplete: true,
    removeOnFail: true,
  };
}
