import { resolve } from "node:path";
import { tasksRoot } from "@wf/context";
import type { ObjectStore } from "@wf/object-store";
import { InputError } from "../errors.js";
import { downloadInput, type DownloadLimits } from "./download-input.js";
import { resolveLocalInput } from "./local-input.js";
import { fetchStoreInput, storeReferenceOf, taskObjectOfPath } from "./store-input.js";

/** Where a node's inputs may come from. */
export interface InputSources {
  sharedRoot: string;
  inputRoots: readonly string[];
  downloads: DownloadLimits;
  objectStore?: ObjectStore | undefined;
}

/**
 * Resolves an input reference to a local file the node may read: a store object (`s3://`,
 * `minio://`, the store's URLs) or an http(s) URL, fetched into the task's folder within the
 * limits; or a local path under the input roots (or in the task's own folder). A path in this
 * task's folder that this machine does not have (written by a worker elsewhere, with another
 * disk) is fetched from the store, where that worker uploaded it.
 */
export async function resolveInputReference(
  sources: InputSources,
  task: { taskId: string; storageDir: string; teamRoots?: readonly string[] | undefined },
  reference: string,
  signal: AbortSignal,
): Promise<string> {
  const object = storeReferenceOf(sources.objectStore, reference);
  if (object && sources.objectStore) return fetchStoreInput(sources.objectStore, object, task, sources.downloads, signal);
  if (/^https?:\/\//i.test(reference)) return downloadInput(reference, task.storageDir, sources.downloads, signal);
  try {
    // A node may read its own task's files (an earlier node's output), never another task's.
    return await resolveLocalInput(reference, sources.inputRoots, { own: task.storageDir, others: tasksRoot(sources.sharedRoot) }, task.teamRoots);
  } catch (error) {
    const store = sources.objectStore;
    const own = store && error instanceof InputError && /^\//.test(reference) ? taskObjectOfPath(resolve(reference), task.taskId, store.config.bucket) : undefined;
    if (!store || !own) throw error;
    return fetchStoreInput(store, own, task, sources.downloads, signal);
  }
}
