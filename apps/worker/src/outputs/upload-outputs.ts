import { readdir, realpath, stat } from "node:fs/promises";
import { basename, isAbsolute, join, relative, sep } from "node:path";
import { contentTypeOf, type ObjectRef, type ObjectStore } from "@wf/object-store";

/** One uploaded file, as `/status` lists it in `minio_files` (the original's fields, plus size and key). */
export interface UploadedFile {
  name: string;
  url: string;
  type: string;
  size: number;
  key: string;
}

/** What {@link uploadNodeOutputs} needs. */
export interface UploadRequest {
  store: ObjectStore;
  taskId: string;
  /** The task's folder on this worker's disk; only files inside it are uploaded. */
  taskDir: string;
  output: Record<string, unknown>;
  /** Output fields not to upload (the node's or the request's opt-out). */
  skip: ReadonlySet<string>;
  signal: AbortSignal;
}

/** An upload of a node's outputs that failed: the node fails with this message. */
export class OutputUploadError extends Error {
  override readonly name = "OutputUploadError";
}

const isUrlField = (field: string): boolean => /_minio_urls?$/.test(field);

/** The key of a file in the task's folder: `<task_id>/<path relative to the folder>` (so `…/nodes/<task_name>/…`). */
export function taskFileKey(taskId: string, taskDir: string, file: string): string {
  return `${taskId}/${relative(taskDir, file).split(sep).join("/")}`;
}

async function insideTaskDir(taskDir: string, path: unknown): Promise<{ path: string; directory: boolean } | undefined> {
  if (typeof path !== "string" || !isAbsolute(path)) return undefined;
  const real = await realpath(path).catch(() => undefined);
  if (!real) return undefined;
  const rel = relative(taskDir, real);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) return undefined;
  return { path: real, directory: (await stat(real)).isDirectory() };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)).sort();
}

/**
 * Uploads every file or folder a node's output names inside the task's folder, one object per
 * file under `<task_id>/<path in the task folder>` (the original's `<task_id>/nodes/<task_name>/…`),
 * and returns the output with the original's URL fields added: `<field>_minio_url` for a file, the
 * folder's prefix URL (ending in `/`) for a folder, `<field>_minio_urls` for a list of paths.
 * Folders are uploaded file by file, not as one archive: each frame or segment can then be
 * downloaded (and fetched by a worker on another machine) on its own, and nothing is staged.
 * All uploads finish before any URL is reported; the first failure throws an {@link OutputUploadError}.
 */
export async function uploadNodeOutputs(request: UploadRequest): Promise<{ output: Record<string, unknown>; files: UploadedFile[] }> {
  const { store, taskId, output, skip, signal } = request;
  const taskDir = await realpath(request.taskDir).catch(() => request.taskDir);
  const files = new Map<string, UploadedFile>();
  const additions: Record<string, unknown> = {};

  const put = async (file: string): Promise<UploadedFile> => {
    const existing = files.get(file);
    if (existing) return existing;
    const ref: ObjectRef = { bucket: store.config.bucket, key: taskFileKey(taskId, taskDir, file) };
    const type = contentTypeOf(file);
    try {
      const { size } = await store.uploadFile(ref, file, { contentType: type, signal });
      const uploaded = { name: basename(file), url: store.url(ref), type, size, key: ref.key };
      files.set(file, uploaded);
      return uploaded;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new OutputUploadError(`uploading output ${relative(taskDir, file)} to the object store failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  for (const [field, value] of Object.entries(output)) {
    if (skip.has(field) || isUrlField(field) || output[`${field}_minio_url`] !== undefined || output[`${field}_minio_urls`] !== undefined) continue;
    if (Array.isArray(value)) {
      const entries = await Promise.all(value.map((item) => insideTaskDir(taskDir, item)));
      if (entries.length === 0 || entries.some((entry) => !entry || entry.directory)) continue;
      const urls: string[] = [];
      for (const entry of entries) urls.push((await put(entry!.path)).url);
      additions[`${field}_minio_urls`] = urls;
      continue;
    }
    const entry = await insideTaskDir(taskDir, value);
    if (!entry) continue;
    if (entry.directory) {
      for (const file of await filesUnder(entry.path)) await put(file);
      const prefix = `${taskFileKey(taskId, taskDir, entry.path)}/`;
      additions[`${field}_minio_url`] = store.url({ bucket: store.config.bucket, key: prefix });
    } else {
      additions[`${field}_minio_url`] = (await put(entry.path)).url;
    }
  }
  return { output: { ...output, ...additions }, files: [...files.values()] };
}
