/**
 * Signatures of the callbacks wf sends, as Stripe and GitHub sign webhooks: the header
 * `X-Wf-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the team's
 * callback secret. Web Crypto only, so it runs in Node.js, browsers, Deno and edge runtimes.
 */

/** The header carrying the signature. */
export const SIGNATURE_HEADER = "x-wf-signature";
/** The header carrying the event id, the same on every retry of one callback: deduplicate on it. */
export const EVENT_ID_HEADER = "x-wf-event-id";

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await globalThis.crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The `X-Wf-Signature` value for `rawBody` signed at `timestampSeconds`. */
export async function signCallback(rawBody: string, secret: string, timestampSeconds: number): Promise<string> {
  const t = Math.floor(timestampSeconds);
  return `t=${t},v1=${await hmacHex(secret, `${t}.${rawBody}`)}`;
}

/** Options of {@link verifyCallbackSignature}. */
export interface VerifyOptions {
  /** Oldest signature accepted, in seconds (and the clock skew allowed ahead). Default 300. */
  toleranceSeconds?: number;
  /** The current time in unix seconds; for tests. */
  nowSeconds?: number;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Whether a callback is genuine: `header` (the `X-Wf-Signature` value) carries a `v1` HMAC of
 * `"<t>.<rawBody>"` under `secret`, and `t` lies within `toleranceSeconds` of now (a replayed old
 * callback is refused). Pass the body exactly as received, before any JSON parsing.
 *
 * @example
 * const ok = await verifyCallbackSignature(rawBody, req.headers["x-wf-signature"], process.env.WF_CALLBACK_SECRET!);
 */
export async function verifyCallbackSignature(
  rawBody: string,
  header: string | null | undefined,
  secret: string,
  options: VerifyOptions = {},
): Promise<boolean> {
  if (!header) return false;
  const parts = new Map(header.split(",").map((part) => part.trim().split("=", 2) as [string, string]));
  const t = Number(parts.get("t"));
  const signatures = header.split(",").map((part) => part.trim()).filter((part) => part.startsWith("v1=")).map((part) => part.slice(3));
  if (!Number.isInteger(t) || signatures.length === 0) return false;
  const now = options.nowSeconds ?? Date.now() / 1000;
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = await hmacHex(secret, `${t}.${rawBody}`);
  return signatures.some((signature) => constantTimeEqual(signature, expected));
}
