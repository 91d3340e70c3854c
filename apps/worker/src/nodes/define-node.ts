import { parseTaskName } from "@wf/context";
import type { Logger } from "pino";
import type { z } from "zod";

/** What a node's handler gets besides its input. */
export interface NodeContext {
  /** The task this run belongs to. */
  taskId: string;
  /** This node's name, `<service>.<function>`. */
  taskName: string;
  /** The task's folder in shared storage (created when first read). */
  storageDir: string;
  /** This node's own output folder, `<task folder>/nodes/<task_name>` (created when first read); put outputs here. */
  outputDir: string;
  /** A pino logger bound to the task id and node. */
  logger: Logger;
  /** Records progress (0–100) in the node's stage while it runs. */
  progress(percent: number): Promise<void>;
  /** Aborted when the node is cancelled or the worker shuts down; pass it on to child processes. */
  signal: AbortSignal;
  /**
   * Resolves an input reference to a local file the node may read: a path under the configured
   * input roots (symlinks resolved); an http(s) URL or an object-store reference (`s3://`,
   * `minio://`, the store's URLs), fetched into the task's folder within the size and time
   * limits; or a file of this task written on another machine, fetched from the store. Throws an
   * `InputError` otherwise.
   */
  resolveInput(reference: string): Promise<string>;
  /** Paths of the media tools the worker was configured with. */
  tools: { ffmpeg: string; ffprobe: string };
}

/**
 * Where an absent input field may be taken from: an earlier stage of the same task, by its task
 * name (the output field of the same name) or as `{ stage, field }` when the names differ.
 */
export type FallbackSource = string | { readonly stage: string; readonly field: string };

/** A node: its name, the schema of its `input_data`, and the handler that runs it. */
export interface NodeDefinition<Input extends z.ZodType = z.ZodType, Output extends object = Record<string, unknown>> {
  /** `<service>.<function>`; the node is consumed from `<service>_queue`. */
  readonly name: `${string}.${string}`;
  /** Schema of the request's `input_data`; a job whose input fails it ends `FAILED` without running. */
  readonly input: Input;
  /**
   * Per input field, the earlier stages to take it from when the request leaves it out (absent or
   * null), as the original's `get_param_with_fallback` does: the first listed stage that is
   * `SUCCESS` and has the field wins. Such fields are optional in the published input schema.
   *
   * @example { audio_path: ["ffmpeg.extract_audio"] }
   */
  readonly fallbacks?: Readonly<Record<string, readonly FallbackSource[]>>;
  /**
   * Longest the node may run, in ms; default: the worker's `nodeTimeoutMs` (`WF_NODE_TIMEOUT_MS`).
   * At 80 % a warning is logged; at the limit `ctx.signal` aborts (child processes are killed)
   * and the node ends `FAILED` with "timed out after …", even if the handler ignores the signal.
   */
  readonly timeoutMs?: number;
  /**
   * Shared resources the node needs one slot of each while it runs (e.g. `["gpu"]`): the worker
   * takes a lease on an instance of its machine (`WF_RESOURCES`), shared by every worker process
   * of every service with the same `WF_RESOURCE_SCOPE`, waiting in arrival order; the node is
   * stopped if a lease is lost.
   */
  readonly resources?: readonly string[];
  /** Longest the node waits for its resources, ms; default the worker's (`WF_RESOURCE_WAIT_MS`). Then it ends `FAILED` `RESOURCE_TIMEOUT`. */
  readonly resourceWaitMs?: number;
  /**
   * Uploads of the node's outputs when the worker has an object store (by default every file or
   * folder the output names inside the task's folder is uploaded): `false` uploads none, `skip`
   * names output fields to leave out, or computes them from the input (an option of the node).
   */
  readonly uploads?: false | { readonly skip: readonly string[] | ((input: z.output<Input>) => readonly string[]) };
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
  if (definition.timeoutMs !== undefined && !(Number.isFinite(definition.timeoutMs) && definition.timeoutMs > 0)) {
    throw new RangeError(`node ${definition.name}: timeoutMs must be a positive number of milliseconds`);
  }
  for (const kind of definition.resources ?? []) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(kind)) throw new RangeError(`node ${definition.name}: resource ${JSON.stringify(kind)} must be 1-32 of a-z 0-9 _ - starting with a letter`);
  }
  for (const sources of Object.values(definition.fallbacks ?? {})) {
    for (const source of sources) parseTaskName(typeof source === "string" ? source : source.stage);
  }
  return Object.freeze({ ...definition });
}
