const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Milliseconds since the epoch of an ISO 8601 timestamp, or `undefined` when it does not parse.
 * Timestamps without a zone (the Python service wrote naive `datetime.isoformat()`) are read as
 * UTC, so ordering does not depend on the reader's time zone.
 */
export function timestampMillis(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const millis = Date.parse(HAS_ZONE.test(value) ? value : `${value}Z`);
  return Number.isNaN(millis) ? undefined : millis;
}
