import { assertTaskId } from "./task-id.js";

/**
 * The folder under the shared root that holds every task's folder. Task folders live nowhere
 * else, so no task id (`inputs`, say) can name a folder a user keeps beside them.
 */
export const TASKS_FOLDER = "tasks";

/** `<root>/tasks`: where task folders live (POSIX paths, as the workers see the shared storage). */
export function tasksRoot(root: string): string {
  return `${root.replace(/\/+$/, "")}/${TASKS_FOLDER}`;
}

/** A task's folder in shared storage: `<root>/tasks/<task_id>`; throws on an unsafe id. */
export function taskFolderPath(root: string, taskId: string): string {
  return `${tasksRoot(root)}/${assertTaskId(taskId)}`;
}
