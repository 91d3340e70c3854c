import { rm, stat } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { assertTaskId } from "@wf/context";

/** The task's folder in shared storage: `<root>/<task_id>`. */
export function taskFolder(root: string, taskId: string): string {
  return join(root, assertTaskId(taskId));
}

/** Outcome of removing a task's folder. */
export type FolderRemoval = { status: "deleted" | "skipped"; message: string };

/**
 * Removes `<root>/<task_id>` recursively. The path is built from the validated id, never from
 * stored state, and checked to lie strictly inside `root`.
 */
export async function removeTaskFolder(root: string, taskId: string): Promise<FolderRemoval> {
  const folder = taskFolder(root, taskId);
  const rel = relative(root, folder);
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
