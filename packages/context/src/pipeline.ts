import { taskStatusOf, type TaskStatus } from "./status.js";
import type { StageExecution } from "./workflow-context.js";

/** The most nodes one pipeline request (`POST /v1/tasks` with `nodes`) may hold. */
export const MAX_PIPELINE_NODES = 64;

/**
 * The names a stage depends on (its `depends_on`, written when it was submitted), or `[]` for a
 * stage that waits for nothing.
 */
export function dependenciesOfStage(stage: StageExecution | undefined): string[] {
  const value = stage?.["depends_on"];
  return Array.isArray(value) ? value.filter((name): name is string => typeof name === "string") : [];
}

/** The dependencies of a `PENDING` stage that have not ended `SUCCESS`: what it waits for. */
export function waitingFor(stage: StageExecution, stages: Readonly<Record<string, StageExecution>>): string[] {
  if (stage.status !== "PENDING") return [];
  return dependenciesOfStage(stage).filter((name) => stages[name]?.status !== "SUCCESS");
}

/**
 * A cycle among `graph` (node name -> names it depends on), as the names along it with the first
 * repeated at the end (`["a", "b", "a"]`), or `null` when there is none. Dependencies that are not
 * keys of `graph` are outside it and cannot close a cycle.
 */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    const seen = state.get(name);
    if (seen === "done") return null;
    if (seen === "open") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "open");
    path.push(name);
    for (const next of graph.get(name) ?? []) {
      if (!graph.has(next)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, "done");
    return null;
  };
  for (const name of graph.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return null;
}

/** A waiting node and the attempt (job id) it belongs to. */
export interface PipelineNodeRef {
  taskName: string;
  jobId: string;
}

/**
 * What a task's pipeline calls for now (`StateStore.pipelineStep` decides it in Redis): waiting
 * nodes whose dependencies all succeeded, waiting nodes that can never run, and whether every
 * node of the task is final.
 */
export interface PipelineStep {
  /** Waiting nodes whose every dependency is `SUCCESS`: their jobs are due to be released. */
  ready: PipelineNodeRef[];
  /**
   * Waiting nodes downstream of a dependency that ended `FAILED` or `CANCELLED` (or is gone), with
   * the `error` they end `CANCELLED` with: `not run: <dependency> failed`. Transitive: a node
   * behind a doomed node is doomed too (`not run: <it> cancelled`).
   */
  doomed: (PipelineNodeRef & { reason: string })[];
  /** No node of the task is `PENDING` or `IN_PROGRESS`. */
  final: boolean;
}

/**
 * The task-level status of a set of stages, from all of them: any `IN_PROGRESS` → `running`;
 * else any `PENDING` → `pending`; else any `FAILED` → `failed`; else any `CANCELLED` →
 * `cancelled`; else `completed`. A task with a failed node never reads `completed`. `null` for no
 * stages.
 */
export function taskStatusOfStages(stages: Readonly<Record<string, StageExecution>>): TaskStatus | null {
  const statuses = new Set(Object.values(stages).map((stage) => stage.status));
  if (statuses.size === 0) return null;
  for (const status of ["IN_PROGRESS", "PENDING", "FAILED", "CANCELLED"] as const) {
    if (statuses.has(status)) return taskStatusOf(status);
  }
  return "completed";
}
