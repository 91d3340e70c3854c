import { timestampMillis, type StageExecution, type WorkflowContext } from "@wf/context";

function recency(context: WorkflowContext): number {
  return timestampMillis(context.updated_at) ?? timestampMillis(context.create_at) ?? Number.NEGATIVE_INFINITY;
}

/**
 * Merges a task's node views into the one `WorkflowContext` the API has always returned:
 * `stages` is the union of every view's stages (a view's own node wins over a copy of it in
 * another view); top-level fields come from the most recently updated view (fallback
 * `create_at`); `workflow_id` is always the task id. Returns `null` for no views.
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
  const newest = oldestFirst[oldestFirst.length - 1] as WorkflowContext;
  return { ...newest, workflow_id: taskId, stages };
}
