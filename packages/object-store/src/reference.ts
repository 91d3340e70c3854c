import type { ObjectStoreConfig } from "./config.js";
import { checkBucketName, checkObjectKey, type ObjectRef } from "./object-key.js";

/** An object reference that names the store but not a usable object (bad key, bucket not allowed). */
export class ObjectReferenceError extends Error {
  override readonly name = "ObjectReferenceError";
  /** `OBJECT_KEY_INVALID` or `BUCKET_NOT_ALLOWED`. */
  readonly code: "OBJECT_KEY_INVALID" | "BUCKET_NOT_ALLOWED";

  constructor(code: ObjectReferenceError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Checks a bucket and key the apps were given and returns them as a reference. Throws an
 * {@link ObjectReferenceError} for a bucket outside `allowedBuckets` or a key that is not plain
 * (see `checkObjectKey`).
 */
export function checkedObjectRef(config: ObjectStoreConfig, bucket: string, key: string): ObjectRef {
  if (checkBucketName(bucket) !== undefined || !config.allowedBuckets.includes(bucket)) {
    throw new ObjectReferenceError("BUCKET_NOT_ALLOWED", `bucket ${JSON.stringify(bucket)} is not one this deployment allows (${config.allowedBuckets.join(", ")})`);
  }
  const problem = checkObjectKey(key);
  if (problem) throw new ObjectReferenceError("OBJECT_KEY_INVALID", `object key ${JSON.stringify(key)} ${problem}`);
  return { bucket, key };
}

function decodedPath(pathname: string): string | undefined {
  try {
    return pathname.split("/").map(decodeURIComponent).join("/");
  } catch {
    return undefined;
  }
}

/**
 * The object a reference names, or `undefined` when it is no store reference (a local path, an
 * http URL of another host): `s3://<bucket>/<key>`, `minio://<bucket>/<key>` (the original's),
 * or an http(s) URL of the store's own endpoint, path-style (`<endpoint>/<bucket>/<key>`, as
 * `<field>_minio_url` values and presigned links are). Throws an {@link ObjectReferenceError}
 * when it names the store but an unusable object.
 */
export function parseObjectReference(config: ObjectStoreConfig, reference: string): ObjectRef | undefined {
  const scheme = /^(s3|minio):\/\/([^/]*)\/(.*)$/i.exec(reference);
  if (scheme) return checkedObjectRef(config, scheme[2] ?? "", scheme[3] ?? "");
  if (!config.endpoint || !/^https?:\/\//i.test(reference)) return undefined;
  let url: URL;
  try {
    url = new URL(reference);
  } catch {
    return undefined;
  }
  const endpoint = new URL(config.endpoint);
  if (url.origin !== endpoint.origin) return undefined;
  const base = endpoint.pathname.replace(/\/+$/, "");
  if (!url.pathname.startsWith(`${base}/`)) return undefined;
  const path = decodedPath(url.pathname.slice(base.length + 1));
  const slash = path?.indexOf("/") ?? -1;
  if (path === undefined || slash < 1) throw new ObjectReferenceError("OBJECT_KEY_INVALID", `store URL ${url.origin}${url.pathname} names no object`);
  return checkedObjectRef(config, path.slice(0, slash), path.slice(slash + 1));
}

/** The store URL of an object, path-style (the original's `<field>_minio_url` form); unsigned. */
export function objectUrl(config: ObjectStoreConfig, ref: ObjectRef): string {
  const key = ref.key.split("/").map(encodeURIComponent).join("/");
  if (config.endpoint) return `${config.endpoint}/${ref.bucket}/${key}`;
  return `https://${ref.bucket}.s3.${config.region}.amazonaws.com/${key}`;
}
