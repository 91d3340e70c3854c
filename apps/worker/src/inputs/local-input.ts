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

/** The one answer for a local input the node cannot have, whatever the reason (code `INPUT_UNAVAILABLE`). */
function unavailable(reference: string, reason: string): InputError {
  // One message for "missing" and "not allowed" alike: a caller must not learn from it whether a
  // file exists outside the roots. The reason stays in `details`, for logs, never for the stage.
  return new InputError("INPUT_UNAVAILABLE", `input file not found or not allowed: ${reference}`, { details: { reason } });
}

/**
 * Resolves a local input path, following symlinks, and accepts it only when the real file lies
 * in the task's own folder, or under one of `roots` (also resolved) but not in another task's
 * folder. Traversal (`..`) and symlink escapes are refused. A relative path is `INPUT_NOT_ALLOWED`;
 * every other refusal (missing, outside the roots, another task's, not a regular file) is the same
 * `INPUT_UNAVAILABLE` "input file not found or not allowed".
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
    throw unavailable(reference, "not found");
  }
  const resolveRoot = (root: string): Promise<string> => realpath(root).catch(() => resolve(root));
  const [own, others] = tasks ? await Promise.all([resolveRoot(tasks.own), resolveRoot(tasks.others)]) : [];
  const inOwnFolder = own !== undefined && isInside(own, real);
  if (!inOwnFolder && others !== undefined && isInside(others, real)) throw unavailable(reference, "in another task's folder");
  const realRoots = await Promise.all(roots.map(resolveRoot));
  if (!inOwnFolder && !realRoots.some((root) => isInside(root, real))) throw unavailable(reference, "outside the input roots");
  if (!inOwnFolder && teamRoots) {
    const realTeamRoots = await Promise.all(teamRoots.map(resolveRoot));
    if (!realTeamRoots.some((root) => isInside(root, real))) throw unavailable(reference, "outside the team's input roots");
  }
  if (!(await stat(real)).isFile()) throw unavailable(reference, "not a regular file");
  return real;
}
