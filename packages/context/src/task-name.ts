import { z } from "zod";
import { InvalidTaskNameError } from "./errors.js";

/** `<service>.<function>`: each part a lower-case identifier (`ffmpeg.extract_audio`). */
export const TASK_NAME_PATTERN = /^([a-z][a-z0-9_]{0,63})\.([a-z][a-z0-9_]{0,63})$/;

/** Zod schema of a task name such as `ffmpeg.extract_audio`. */
export const TaskNameSchema = z.string().regex(TASK_NAME_PATTERN, {
  error: "task_name must be <service>.<function>, lower-case letters, digits and _ (e.g. ffmpeg.extract_audio)",
});

/** The two parts of a task name. */
export interface ParsedTaskName {
  /** The service that runs the node, e.g. `ffmpeg`; its queue is `<service>_queue`. */
  service: string;
  /** The function within the service, e.g. `extract_audio`. */
  fn: string;
}

/** Splits `<service>.<function>`; throws {@link InvalidTaskNameError} on anything else. */
export function parseTaskName(taskName: unknown): ParsedTaskName {
  const match = typeof taskName === "string" ? TASK_NAME_PATTERN.exec(taskName) : null;
  if (!match?.[1] || !match[2]) {
    throw new InvalidTaskNameError(
      `invalid task_name ${JSON.stringify(taskName)}: expected <service>.<function>, e.g. ffmpeg.extract_audio`,
    );
  }
  return { service: match[1], fn: match[2] };
}
