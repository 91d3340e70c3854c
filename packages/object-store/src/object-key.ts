/** A bucket and an object key in it. */
export interface ObjectRef {
  bucket: string;
  key: string;
}

/** Why `bucket` is not a valid S3 bucket name, or `undefined` when it is. */
export function checkBucketName(bucket: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return "must be 3-63 of a-z 0-9 . - starting and ending with a letter or digit";
  return undefined;
}

/**
 * Why `key` cannot name an object the apps hand out, or `undefined` when it can: it must be
 * relative, 1-1024 bytes, without NUL or control characters, backslashes, empty segments, or
 * `.`/`..` segments (a key that looks like a traversal is refused, not normalised).
 */
export function checkObjectKey(key: string): string | undefined {
  if (key.length === 0) return "is empty";
  if (Buffer.byteLength(key) > 1024) return "is longer than 1024 bytes";
  if (key.startsWith("/")) return "must be relative (no leading /)";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return "contains a control character or a backslash";
  const segments = key.split("/");
  const last = segments.length - 1;
  if (segments.some((segment, index) => segment === "." || segment === ".." || (segment === "" && index !== last))) {
    return "contains an empty, . or .. segment";
  }
  return undefined;
}

/** The key prefix of everything a task stored: `<task_id>/`. */
export function taskObjectPrefix(taskId: string): string {
  return `${taskId}/`;
}

/** The key of a node's output file, the original's layout: `<task_id>/nodes/<task_name>/<relative path>`. */
export function nodeObjectKey(taskId: string, taskName: string, relativePath: string): string {
  return `${taskId}/nodes/${taskName}/${relativePath.split(/[\\/]+/).filter(Boolean).join("/")}`;
}
