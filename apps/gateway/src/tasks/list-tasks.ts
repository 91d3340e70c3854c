import { taskEventOfStage, type StageExecution, type TaskStatus, type WorkflowContext } from "@wf/context";
import { StoreConfigError, listingCursorOf, type StateStore } from "@wf/state-redis";
import type { z } from "zod";
import type { Principal } from "../auth/principal.js";
import { ApiError } from "../errors/api-error.js";
import type { ListTasksResponseSchema, NodeSummarySchema, TaskSummarySchema } from "../schemas/tasks.js";
import { taskStatusOfView } from "../task-view.js";

/** Most listed tasks one request reads while filtering, so a rare filter cannot make it slow. */
const MAX_SCANNED = 1_000;

type TaskSummary = z.output<typeof TaskSummarySchema>;

function nodeSummary(taskId: string, taskName: string, stage: StageExecution): z.output<typeof NodeSummarySchema> {
  const { status, progress, duration, error } = taskEventOfStage(taskId, taskName, stage, "");
  return { task_name: taskName, status, progress, duration, error };
}

/** A task as the listing (and the dashboard) shows it. */
export function taskSummary(task: WorkflowContext): TaskSummary {
  return {
    task_id: task.workflow_id,
    status: taskStatusOfView(task),
    create_at: task.create_at ?? null,
    updated_at: task.updated_at ?? null,
    nodes: Object.entries(task.stages).map(([taskName, stage]) => nodeSummary(task.workflow_id, taskName, stage)),
  };
}

/**
 * A page of the tasks the principal may see, newest first, filtered by status and node name.
 * Teams read their own listing; admins and anonymous callers read the listing of all tasks.
 * Listed tasks that are gone are skipped and unlisted. Reads at most {@link MAX_SCANNED} tasks:
 * a page may then be short, and `next_cursor` continues the scan.
 */
export async function listVisibleTasks(
  store: StateStore,
  principal: Principal,
  query: { status?: TaskStatus | undefined; task_name?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<z.output<typeof ListTasksResponseSchema>> {
  const team = principal.kind === "team" && !principal.admin ? principal.team : undefined;
  const tasks: TaskSummary[] = [];
  let cursor = query.cursor;
  let scanned = 0;
  for (;;) {
    const page = await store.listTasks({ team, cursor, limit: Math.min(100, query.limit * 2) }).catch((error: unknown) => {
      throw error instanceof StoreConfigError ? new ApiError(400, "INVALID_CURSOR", "cursor is not a next_cursor this API returned") : error;
    });
    const views = await Promise.all(page.tasks.map((listed) => store.getWorkflowState(listed.taskId)));
    for (const [i, listed] of page.tasks.entries()) {
      const view = views[i];
      scanned += 1;
      cursor = listingCursorOf(listed);
      if (!view) {
        await store.unlistTask(listed.taskId, team);
        continue;
      }
      const summary = taskSummary(view);
      if (query.status && summary.status !== query.status) continue;
      if (query.task_name && !(query.task_name in view.stages)) continue;
      tasks.push(summary);
      if (tasks.length === query.limit) return { tasks, next_cursor: cursor };
    }
    if (!page.nextCursor) return { tasks, next_cursor: null };
    if (scanned >= MAX_SCANNED) return { tasks, next_cursor: cursor ?? null };
  }
}
