import { isAbsolute, relative, resolve, sep } from "node:path";
import { PLACEHOLDER_PATTERN, formatInputPath, tasksRoot, type InputPath } from "@wf/context";
import { taskFolder } from "../storage/task-folder.js";

/** Fields named like this hold an input reference (a local path, an http(s) URL or an object of the store). */
const REFERENCE_FIELD = /_(path|paths|file|files|dir|dirs)$/;
/** References the worker fetches rather than opens: their own checks apply. */
const FETCHED = /^(https?|s3|minio):\/\//i;
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** What the gateway knows of where a caller's local inputs may come from. */
export interface InputPathScope {
  /** The task the nodes belong to: its own folder is always readable. */
  taskId: string;
  /** `WF_SHARED_ROOT`: other tasks' folders under it are never readable. */
  sharedRoot: string;
  /** The workers' input roots as the gateway is told them (`WF_INPUT_ROOTS`); unchecked when unset. */
  roots?: readonly string[] | undefined;
  /** The caller's team's `input_roots`, when its key has them. */
  teamRoots?: readonly string[] | undefined;
}

/** One refused value: where it is and why. */
export interface InputPathProblem {
  where: string;
  message: string;
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(resolve(root), candidate);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function nulProblems(value: unknown, path: (string | number)[], found: InputPathProblem[]): void {
  if (typeof value === "string") {
    if (value.includes("\0")) found.push({ where: formatInputPath(path), message: "must not contain a NUL byte" });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => nulProblems(item, [...path, index], found));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) nulProblems(item, [...path, key], found);
  }
}

function referenceProblem(reference: string, scope: InputPathScope): string | undefined {
  if (reference.includes("\0") || PLACEHOLDER_PATTERN.test(reference.trim()) || FETCHED.test(reference)) return undefined;
  if (/^file:/i.test(reference)) return "must be a plain absolute path, not a file: URL";
  if (ANY_SCHEME.test(reference)) return "must be an absolute path, an http(s) URL or an s3:// or minio:// object";
  if (!isAbsolute(reference)) return "must be an absolute path (or an http(s) URL, or an s3:// or minio:// object)";
  const path = resolve(reference);
  if (isInside(taskFolder(scope.sharedRoot, scope.taskId), path)) return undefined;
  if (isInside(tasksRoot(scope.sharedRoot), path)) return "is in another task's folder";
  if (scope.roots && !scope.roots.some((root) => isInside(root, path))) return `is outside the input roots (${scope.roots.join(", ")})`;
  if (scope.teamRoots && !scope.teamRoots.some((root) => isInside(root, path))) return `is outside your team's input roots (${scope.teamRoots.join(", ")})`;
  return undefined;
}

/**
 * Checks what the gateway can know of a node's inputs before anything is written: no string
 * anywhere holds a NUL byte, and every local path in a reference field (named `*_path`, `*_file`,
 * `*_dir` or their plurals, the original's convention) is absolute, plain (no `file:` or other
 * scheme) and, as far as the gateway knows the roots, inside them and not in another task's
 * folder. The check is on the path as written (`..` resolved), not on the file: whether it exists
 * is for the worker to find out, and it says "not found or not allowed" either way.
 */
export function inputPathProblems(input: Record<string, unknown>, scope: InputPathScope): InputPathProblem[] {
  const found: InputPathProblem[] = [];
  nulProblems(input, [], found);
  for (const [field, value] of Object.entries(input)) {
    if (!REFERENCE_FIELD.test(field)) continue;
    const items: [InputPath, unknown][] = Array.isArray(value) ? value.map((item, index) => [[field, index], item]) : [[[field], value]];
    for (const [path, item] of items) {
      if (typeof item !== "string") continue;
      const message = referenceProblem(item, scope);
      if (message) found.push({ where: formatInputPath(path), message });
    }
  }
  return found;
}
