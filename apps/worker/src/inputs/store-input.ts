import { stat } from "node:fs/promises";
import { basename, join, normalize, sep } from "node:path";
import { ObjectReferenceError, ObjectStoreError, parseObjectReference, type ObjectRef, type ObjectStore } from "@wf/object-store";
import { InputError } from "../errors.js";
import type { DownloadLimits } from "./download-input.js";

/** Where a store input lands: the task's own objects at their place in the task's folder, others under `inputs/`. */
function localPathOf(ref: ObjectRef, taskId: string, storageDir: string, bucket: string): string {
  if (ref.bucket === bucket && ref.key.startsWith(`${taskId}/`)) return join(storageDir, ref.key.slice(taskId.length + 1));
  const name = basename(ref.key).replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "").slice(0, 100);
  return join(storageDir, "inputs", name || "input");
}

/**
 * The object an input reference names in the store (`s3://`, `minio://`, the store's own
 * URLs), or `undefined` for any other reference. Throws an `InputError` for a store reference
 * that is not allowed, or when `s3://`/`minio://` is used with no store configured.
 */
export function storeReferenceOf(store: ObjectStore | undefined, reference: string): ObjectRef | undefined {
  if (!store) {
    if (/^(s3|minio):\/\//i.test(reference)) throw new InputError("INPUT_NOT_ALLOWED", `${reference}: this worker has no object store configured (MINIO_HOST or S3_ENDPOINT/S3_BUCKET)`);
    return undefined;
  }
  try {
    return parseObjectReference(store.config, reference);
  } catch (error) {
    if (error instanceof ObjectReferenceError) throw new InputError("INPUT_NOT_ALLOWED", error.message);
    throw error;
  }
}

/**
 * Fetches a store object into the task's folder with the store's credentials, under the same
 * size and time limits as http downloads. An object that is already there at the same size
 * (an earlier node of this task on this machine fetched or wrote it) is not fetched again.
 */
export async function fetchStoreInput(
  store: ObjectStore,
  ref: ObjectRef,
  task: { taskId: string; storageDir: string },
  limits: DownloadLimits,
  signal: AbortSignal,
): Promise<string> {
  const path = localPathOf(ref, task.taskId, task.storageDir, store.config.bucket);
  const head = await store.head(ref).catch((error: unknown) => {
    throw new InputError("INPUT_DOWNLOAD_FAILED", `reading s3://${ref.bucket}/${ref.key} failed: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (!head) throw new InputError("INPUT_NOT_FOUND", `input object not found: s3://${ref.bucket}/${ref.key}`);
  const local = await stat(path).catch(() => undefined);
  if (local?.isFile() && local.size === head.size) return path;
  try {
    await store.download(ref, path, { maxBytes: limits.maxBytes, timeoutMs: limits.timeoutMs, signal });
    return path;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof ObjectStoreError && error.code === "OBJECT_TOO_LARGE") throw new InputError("INPUT_TOO_LARGE", error.message);
    if (error instanceof ObjectStoreError && error.code === "OBJECT_NOT_FOUND") throw new InputError("INPUT_NOT_FOUND", `input object not found: s3://${ref.bucket}/${ref.key}`);
    throw new InputError("INPUT_DOWNLOAD_FAILED", `downloading s3://${ref.bucket}/${ref.key} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The task's own object a local path stands for when the file was written on another machine:
 * `<any root>/tasks/<task_id>/<rel>` is `<task_id>/<rel>` in the default bucket. `undefined` for
 * a path outside any task folder of this task.
 */
export function taskObjectOfPath(path: string, taskId: string, bucket: string): ObjectRef | undefined {
  const marker = `${sep}tasks${sep}${taskId}${sep}`;
  const at = path.lastIndexOf(marker);
  if (at < 0) return undefined;
  const rel = normalize(path.slice(at + marker.length));
  if (rel === "." || rel.startsWith("..") || rel.split(sep).includes("..")) return undefined;
  return { bucket, key: `${taskId}/${rel.split(sep).join("/")}` };
}
