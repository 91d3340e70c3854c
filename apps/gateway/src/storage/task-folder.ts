import { rm, stat } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
import { taskFolderPath, tasksRoot } from "@wf/context";

/** The task's folder in shared storage: `<root>/tasks/<task_id>`. */
export function taskFolder(root: string, taskId: string): string {
  return taskFolderPath(root, taskId);
}

/** Outcome of removing a task's folder. */
export type FolderRemoval = { status: "deleted" | "skipped"; message: string };

/**
 * Removes `<root>/tasks/<task_id>` recursively: only a folder in the tasks folder, which holds
 * nothing but task folders. The path is built from the validated id, never from stored state,
 * and checked to lie strictly inside `<root>/tasks`.
 */
export async function removeTaskFolder(root: string, taskId: string): Promise<FolderRemoval> {
  const folder = taskFolder(root, taskId);
  const rel = relative(tasksRoot(root), folder);
  if (!rel || rel.startsWith("..") || isAbsolute(rel)) {
    throw new Error(`refusing to delete ${folder}: not inside ${root}`);
  }
  const exists = await stat(folder).then(
    () => true,
    () => false,
  );
  if (!exists) return { status: "skipped", message: `no folder at ${folder}` };
  await rm(folder, { recursive: true, force: true });
  return { status: "deleted", message: `removed ${folder}` };
}
