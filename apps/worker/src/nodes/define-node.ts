import { parseTaskName } from "@wf/context";
import type { Logger } from "pino";
import type { z } from "zod";

/** What a node's handler gets besides its input. */
export interface NodeContext {
  /** The task this run belongs to. */
  taskId: string;
  /** This node's name, `<service>.<function>`. */
  taskName: string;
  /** The task's folder in shared storage (created before `run`); put outputs here. */
  storageDir: string;
  /** A pino logger bound to the task id and node. */
  logger: Logger;
  /** Records progress (0–100) in the node's stage while it runs. */
  progress(percent: number): Promise<void>;
  /** Aborted when the node is cancelled or the worker shuts down; pass it on to child processes. */
  signal: AbortSignal;
  /**
   * Resolves an input reference to a local file the node may read: a path under the configured
   * input roots (symlinks resolved), or an http(s) URL, downloaded into the task's folder within
   * the size and time limits. Throws an `InputError` otherwise.
   */
  resolveInput(reference: string): Promise<string>;
  /** Paths of the media tools the worker was configured with. */
  tools: { ffmpeg: string; ffprobe: string };
}

/** A node: its name, the schema of its `input_data`, and the handler that runs it. */
export interface NodeDefinition<Input extends z.ZodType = z.ZodType, Output extends object = Record<string, unknown>> {
  /** `<service>.<function>`; the node is consumed from `<service>_queue`. */
  readonly name: string;
  /** Schema of the request's `input_data`; a job whose input fails it ends `FAILED` without running. */
  readonly input: Input;
  /** Runs the node; the resolved value becomes the stage's `output`. Throw to fail the node. */
  run(input: z.output<Input>, context: NodeContext): Promise<Output>;
}

/**
 * Defines a node. The name is checked here, so a typo fails at start-up, not at the first job.
 *
 * @example
 * const extract = defineNode({
 *   name: "ffmpeg.extract_audio",
 *   input: z.object({ video_path: z.string() }),
 *   run: async (input, ctx) => ({ audio_path: "…" }),
 * });
 */
export function defineNode<Input extends z.ZodType, Output extends object>(
  definition: NodeDefinition<Input, Output>,
): NodeDefinition<Input, Output> {
  parseTaskName(definition.name);
  return Object.freeze({ ...definition });
}
