import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InputError } from "../errors.js";

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** A task's own folder, and the folder of every task's folder (whose other members it may not read). */
export interface TaskFolders {
  own: string;
  others: string;
}

/**
 * Resolves a local input path, following symlinks, and accepts it only when the real file lies
 * in the task's own folder, or under one of `roots` (also resolved) but not in another task's
 * folder. Traversal (`..`) and symlink escapes are refused.
 */
export async function resolveLocalInput(
  reference: string,
  roots: readonly string[],
  tasks?: TaskFolders,
  teamRoots?: readonly string[],
): Promise<string> {
  if (!isAbsolute(reference)) {
    throw new InputError("INPUT_NOT_ALLOWED", `input path must be absolute: ${JSON.stringify(reference)}`);
  }
  let real: string;
  try {
    real = await realpath(resolve(reference));
  } catch {
    throw new InputError("INPUT_NOT_FOUND", `input file not found: ${reference}`);
  }
  const resolveRoot = (root: string): Promise<string> => realpath(root).catch(() => resolve(root));
  const [own, others] = tasks ? await Promise.all([resolveRoot(tasks.own), resolveRoot(tasks.others)]) : [];
  const inOwnFolder = own !== undefined && isInside(own, real);
  if (!inOwnFolder && others !== undefined && isInside(others, real)) {
    throw new InputError("INPUT_NOT_ALLOWED", `input path is in another task's folder: ${reference}`);
  }
  const realRoots = await Promise.all(roots.map(resolveRoot));
  if (!inOwnFolder && !realRoots.some((root) => isInside(root, real))) {
    throw new InputError("INPUT_NOT_ALLOWED", `input path is outside the allowed input roots: ${reference}`);
  }
  if (!inOwnFolder && teamRoots) {
    const realTeamRoots = await Promise.all(teamRoots.map(resolveRoot));
    if (!realTeamRoots.some((root) => isInside(root, real))) {
      throw new InputError("INPUT_NOT_ALLOWED", `input path is outside your team's input roots: ${reference}`);
    }
  }
  if (!(await stat(real)).isFile()) {
    throw new InputError("INPUT_NOT_FOUND", `input is not a regular file: ${reference}`);
  }
  return real;
}
