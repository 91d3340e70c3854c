import { z } from "zod";
import { InvalidTaskIdError } from "./errors.js";

/** Longest task id accepted, in characters. */
export const MAX_TASK_ID_LENGTH = 128;

/**
 * The safe alphabet of task ids: letters, digits, `.`, `_`, `-`, starting with a letter or digit.
 * It excludes everything that has meaning in a Redis key or glob (`:`, `*`, `?`, `[`, `]`, `{`,
 * `}`, `\`) or in a path (`/`, a leading `.`), so one task's keys and folder can never overlap
 * another's.
 */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const TASK_ID_RULE = `1-${MAX_TASK_ID_LENGTH} characters of A-Z a-z 0-9 . _ - starting with a letter or digit`;

/** Zod schema of a task id. */
export const TaskIdSchema = z
  .string()
  .min(1, { error: `task id must not be empty (${TASK_ID_RULE})` })
  .max(MAX_TASK_ID_LENGTH, { error: `task id is longer than ${MAX_TASK_ID_LENGTH} characters` })
  .regex(TASK_ID_PATTERN, { error: `task id must be ${TASK_ID_RULE}` });

/** A validated task id. */
export type TaskId = z.infer<typeof TaskIdSchema>;

/** Returns `taskId` when it is valid; throws {@link InvalidTaskIdError} naming the rule otherwise. */
export function assertTaskId(taskId: unknown): string {
  // Fast path for the common, valid case; zod only runs to explain a refusal.
  if (typeof taskId === "string" && taskId.length <= MAX_TASK_ID_LENGTH && TASK_ID_PATTERN.test(taskId)) return taskId;
  const parsed = TaskIdSchema.safeParse(taskId);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? `task id must be ${TASK_ID_RULE}`;
    throw new InvalidTaskIdError(`invalid task id ${JSON.stringify(taskId)}: ${reason}`);
  }
  return parsed.data;
}
