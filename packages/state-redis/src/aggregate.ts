import { taskStatusOfStages, timestampMillis, waitingFor, type StageExecution, type StageStatus, type TaskStatus, type WorkflowContext } from "@wf/context";

function recency(context: WorkflowContext): number {
  return timestampMillis(context.updated_at) ?? timestampMillis(context.create_at) ?? Number.NEGATIVE_INFINITY;
}

/** The stage status whose newest node speaks for a task of each status. */
const DECIDING_STAGE: Readonly<Record<TaskStatus, StageStatus | null>> = {
  running: "IN_PROGRESS",
  pending: "PENDING",
  failed: "FAILED",
  cancelled: "CANCELLED",
  completed: null,
};

/** A `PENDING` stage that depends on others, with what it still waits for (`waiting_for`, derived on read). */
function withWaitingFor(stage: StageExecution, stages: Readonly<Record<string, StageExecution>>): StageExecution {
  if (stage.status !== "PENDING" || !Array.isArray(stage["depends_on"])) return stage;
  return { ...stage, waiting_for: waitingFor(stage, stages) };
}

/**
 * Merges a task's node views into the one `WorkflowContext` the API has always returned:
 * `stages` is the union of every view's stages (a view's own node wins over a copy of it in
 * another view). The task's `status` comes from all stages together (see `taskStatusOfStages`:
 * a task with a failed node never reads `completed`); its other top-level fields, `error`
 * included, come from the newest view of the node that decides that status (the newest failed
 * node of a failed task, the newest running node of a running one; the most recently updated
 * view of a completed task). A waiting stage gets `waiting_for`. `workflow_id` is always the task
 * id. Returns `null` for no views.
 */
export function aggregateNodeViews(taskId: string, views: readonly WorkflowContext[]): WorkflowContext | null {
  if (views.length === 0) return null;
  const oldestFirst = views
    .map((view) => ({ view, at: recency(view) }))
    .sort((a, b) => a.at - b.at)
    .map((entry) => entry.view);
  const stages: Record<string, StageExecution> = {};
  const owned = new Set<string>();
  for (const view of oldestFirst) {
    const ownName = view.input_params.task_name ?? undefined;
    for (const [name, stage] of Object.entries(view.stages)) {
      if (name === ownName) {
        stages[name] = stage;
        owned.add(name);
      } else if (!owned.has(name)) {
        stages[name] = stage;
      }
    }
  }
  for (const [name, stage] of Object.entries(stages)) stages[name] = withWaitingFor(stage, stages);
  const newest = oldestFirst[oldestFirst.length - 1] as WorkflowContext;
  const status = taskStatusOfStages(stages);
  if (status === null) return { ...newest, workflow_id: taskId, stages };
  const deciding = DECIDING_STAGE[status];
  const speaker = deciding
    ? (oldestFirst.findLast((view) => view.stages[view.input_params.task_name ?? ""]?.status === deciding) ?? newest)
    : newest;
  const error = status === "failed" || status === "cancelled" ? (speaker.error ?? null) : null;
  return { ...speaker, workflow_id: taskId, status, error, stages };
}
