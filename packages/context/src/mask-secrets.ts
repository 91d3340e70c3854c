/**
 * The masking rule. A field is a secret when its name, lower-cased with everything but letters
 * and digits removed, contains one of {@link SECRET_NAME_PARTS} or is one of
 * {@link SECRET_NAMES}: `api_key`, `X-Api-Key`, `passwd`, `authorization`, `private_key`,
 * `credentials` (the whole object), `aws_secret_access_key`, `session_token`, … Its value, whatever
 * its type, becomes `***`. In every other string, a URL keeps its shape but loses its secrets:
 * userinfo (`https://user:pass@host` → `https://***:***@host`) and the values of query parameters
 * whose names are secrets by the same rule or are signing parameters (`sig`, `signature`,
 * `X-Amz-Signature`, `X-Amz-Credential`, `X-Goog-Signature`, `key`, …).
 */
export const SECRET_NAME_PARTS = [
  "apikey", "token", "password", "passwd", "passphrase", "secret", "authorization", "privatekey",
  "credential", "accesskey", "signature", "cookie", "sessionid", "clientsecret",
] as const;

/** Whole names that are secrets though they are too short to look for inside other names. */
export const SECRET_NAMES = ["pass", "pwd", "auth", "key", "sig", "jwt", "bearer", "otp", "pin"] as const;

/** The mask that replaces a secret's value in stored snapshots. */
export const SECRET_MASK = "***";

const normalise = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Whether a field or query parameter name is a secret by the masking rule. */
export function isSecretName(name: string): boolean {
  const plain = normalise(name);
  return (SECRET_NAMES as readonly string[]).includes(plain) || SECRET_NAME_PARTS.some((part) => plain.includes(part));
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  let changed = false;
  if (url.username || url.password) {
    url.username = url.username ? SECRET_MASK : "";
    url.password = url.password ? SECRET_MASK : "";
    changed = true;
  }
  for (const name of [...new Set(url.searchParams.keys())]) {
    if (isSecretName(name)) {
      url.searchParams.set(name, SECRET_MASK);
      changed = true;
    }
  }
  // URLSearchParams encodes the mask; keep it readable.
  return changed ? url.toString().replaceAll(encodeURIComponent(SECRET_MASK), SECRET_MASK) : text;
}

/** `text` with the secrets of every URL in it masked (error messages, log lines). */
export function maskSecretsInText(text: string): string {
  return text.includes("://") ? text.replace(URL_IN_TEXT, maskUrl) : text;
}

/**
 * A deep copy of `value` with secrets masked by the rule above: fields with secret names become
 * `***`, URLs in other strings lose their userinfo and secret query parameters. Callers bound the
 * depth first (see `MAX_INPUT_DEPTH`).
 */
export function maskSecrets<T>(value: T): T {
  if (typeof value === "string") return maskSecretsInText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => maskSecrets(item)) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isSecretName(key) ? SECRET_MASK : maskSecrets(item)]),
  ) as T;
}
