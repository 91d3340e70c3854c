const SECRET_KEY = /api[_-]?key|token|password|secret/i;

/** The mask that replaces a secret's value in stored snapshots. */
export const SECRET_MASK = "***";

/** A deep copy of `value` with every field whose name looks like a secret replaced by `***`. */
export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => maskSecrets(item)) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? SECRET_MASK : maskSecrets(item)]),
  ) as T;
}
