import type { StageStatus } from "./status.js";
import type { StageExecution } from "./workflow-context.js";

/**
 * The single-node result the status endpoint (and a callback) returns for the node a view belongs
 * to, in the original's answer shape: `output` is an object and `duration` a number even while the
 * node is pending or running, or when it failed (`{}` and `0`), so a client's
 * `result["output"].get(...)` never meets a null. The stored stage keeps its nulls.
 */
export interface SingleNodeResult {
  task_name: string;
  status: StageStatus | null;
  input_params: Record<string, unknown> | null;
  output: Record<string, unknown>;
  error: string | null;
  duration: number;
}

/** Builds the `{task_name, status, input_params, output, error, duration}` result of one node. */
export function buildSingleNodeResult(taskName: string, stage: StageExecution | undefined): SingleNodeResult {
  return {
    task_name: taskName,
    status: stage?.status ?? null,
    input_params: stage?.input_params ?? null,
    output: stage?.output ?? {},
    error: stage?.error ?? null,
    duration: stage?.duration ?? 0,
  };
}
