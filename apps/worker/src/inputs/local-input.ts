import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InputError } from "../errors.js";

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Resolves a local input path, following symlinks, and accepts it only when the real file lies
 * under one of `roots` (also resolved). Traversal (`..`) and symlink escapes are refused.
 */
export async function resolveLocalInput(reference: string, roots: readonly string[]): Promise<string> {
  if (!isAbsolute(reference)) {
    throw new InputError("INPUT_NOT_ALLOWED", `input path must be absolute: ${JSON.stringify(reference)}`);
  }
  let real: string;
  try {
    real = await realpath(resolve(reference));
  } catch {
    throw new InputError("INPUT_NOT_FOUND", `input file not found: ${reference}`);
  }
  const realRoots = await Promise.all(roots.map((root) => realpath(root).catch(() => resolve(root))));
  if (!realRoots.some((root) => isInside(root, real))) {
    throw new InputError("INPUT_NOT_ALLOWED", `input path is outside the allowed input roots: ${reference}`);
  }
  if (!(await stat(real)).isFile()) {
    throw new InputError("INPUT_NOT_FOUND", `input is not a regular file: ${reference}`);
  }
  return real;
}
