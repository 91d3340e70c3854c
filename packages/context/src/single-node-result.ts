import type { StageStatus } from "./status.js";
import type { StageExecution } from "./workflow-context.js";

/** The single-node result the status endpoint returns for the node a view belongs to. */
export interface SingleNodeResult {
  task_name: string;
  status: StageStatus | null;
  input_params: Record<string, unknown> | null;
  output: Record<string, unknown> | null;
  error: string | null;
  duration: number | null;
}

/** Builds the `{task_name, status, input_params, output, error, duration}` result of one node. */
export function buildSingleNodeResult(taskName: string, stage: StageExecution | undefined): SingleNodeResult {
  return {
    task_name: taskName,
    status: stage?.status ?? null,
    input_params: stage?.input_params ?? null,
    output: stage?.output ?? null,
    error: stage?.error ?? null,
    duration: stage?.duration ?? null,
  };
}
