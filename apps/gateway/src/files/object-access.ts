import { ObjectReferenceError, ObjectStoreError, checkedObjectRef, type ObjectRef, type ObjectStore } from "@wf/object-store";
import type { StateStore } from "@wf/state-redis";
import type { Principal } from "../auth/principal.js";
import { ApiError } from "../errors/api-error.js";

/** The folder of a team's own files in every bucket: `teams/<team>/`. */
export function teamPrefix(team: string): string {
  return `teams/${team}/`;
}

/**
 * The object a caller means by `path` in `bucket`, and whether it may reach it. Without keys (and
 * for admin keys) every plain key of an allowed bucket. A team key reaches its own folder
 * `teams/<team>/…` (a path outside it is taken inside it: `videos/a.mp4` is
 * `teams/<team>/videos/a.mp4`) and the objects of the tasks it owns (`<task_id>/…`); another
 * team's task answers 404, as a missing object does. Bad keys and buckets are 400 and 403.
 */
export async function resolveObjectPath(store: ObjectStore, tasks: StateStore, principal: Principal, path: string, bucket: string | undefined): Promise<ObjectRef> {
  const ref = checkedRef(store, bucket ?? store.config.bucket, path);
  if (principal.kind === "anonymous" || principal.admin) return ref;
  const own = teamPrefix(principal.team);
  if (ref.key.startsWith(own)) return ref;
  if (ref.key.startsWith("teams/")) throw new ApiError(404, "OBJECT_NOT_FOUND", `no file at ${path}`);
  const first = ref.key.split("/", 1)[0] ?? "";
  const owner = await tasks.getTaskOwner(first);
  if (owner === principal.team) return ref;
  if (owner !== null) throw new ApiError(404, "OBJECT_NOT_FOUND", `no file at ${path}`);
  return { bucket: ref.bucket, key: `${own}${ref.key}` };
}

/** A prefix (may be empty) a caller may list, scoped as {@link resolveObjectPath} scopes keys. */
export async function resolveListPrefix(store: ObjectStore, tasks: StateStore, principal: Principal, prefix: string, bucket: string | undefined): Promise<ObjectRef> {
  const name = bucket ?? store.config.bucket;
  if (prefix === "") {
    checkedRef(store, name, "x");
    return { bucket: name, key: principal.kind === "team" && !principal.admin ? teamPrefix(principal.team) : "" };
  }
  const ref = await resolveObjectPath(store, tasks, principal, prefix, bucket);
  // A team's listing of one of its tasks is that task's folder, never also `<task_id>0/…` of another.
  const isTask = principal.kind === "team" && !principal.admin && !ref.key.includes("/");
  return isTask ? { bucket: ref.bucket, key: `${ref.key}/` } : ref;
}

function checkedRef(store: ObjectStore, bucket: string, key: string): ObjectRef {
  try {
    return checkedObjectRef(store.config, bucket, key);
  } catch (error) {
    if (error instanceof ObjectReferenceError) throw new ApiError(error.code === "BUCKET_NOT_ALLOWED" ? 403 : 400, error.code, error.message);
    throw error;
  }
}

/** The API error a store failure answers with: 404, 413, or 503 (the store is down; retry later). */
export function apiErrorOfStore(error: unknown): unknown {
  if (!(error instanceof ObjectStoreError)) return error;
  if (error.code === "OBJECT_NOT_FOUND") return new ApiError(404, "OBJECT_NOT_FOUND", "no such file in the object store");
  if (error.code === "OBJECT_TOO_LARGE") return new ApiError(413, "FILE_TOO_LARGE", error.message);
  return new ApiError(503, "OBJECT_STORE_UNAVAILABLE", `the object store is unavailable; try again later (${error.code})`);
}

/** The store, or a 503 when this gateway has none configured. */
export function requireStore(store: ObjectStore | undefined): ObjectStore {
  if (!store) throw new ApiError(503, "OBJECT_STORE_NOT_CONFIGURED", "this gateway has no object store configured (MINIO_HOST or S3_ENDPOINT/S3_BUCKET)");
  return store;
}
