import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UrlPolicyError, checkPublicUrl, requestPinned, type UrlPolicy } from "@wf/protocol";
import { InputError } from "../errors.js";

/** Limits on inputs fetched from http(s) URLs. */
export interface DownloadLimits {
  /** Largest accepted download in bytes. */
  maxBytes: number;
  /** Longest a whole download may take. */
  timeoutMs: number;
  /** Which hosts may be fetched (no private networks unless allowed). */
  policy: UrlPolicy;
}

/** A safe file name for a URL's last path segment. */
function fileNameOf(url: URL): string {
  let last = url.pathname.split("/").pop() ?? "";
  try {
    last = decodeURIComponent(last);
  } catch {
    // keep it encoded
  }
  const safe = last.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "").slice(0, 100);
  return safe || "input";
}

/**
 * Downloads an http(s) input into `<storageDir>/inputs/`, refusing hosts the policy forbids,
 * answers that are not 2xx, bodies over `maxBytes` and downloads slower than `timeoutMs`.
 * A partial file is removed on failure.
 */
export async function downloadInput(reference: string, storageDir: string, limits: DownloadLimits, signal: AbortSignal): Promise<string> {
  let target;
  try {
    target = await checkPublicUrl(reference, limits.policy, "input URL");
  } catch (error) {
    if (error instanceof UrlPolicyError) throw new InputError("INPUT_NOT_ALLOWED", error.message);
    throw error;
  }
  const dir = join(storageDir, "inputs");
  await mkdir(dir, { recursive: true });
  const path = join(dir, fileNameOf(target.url));
  const startedAt = Date.now();
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(limits.timeoutMs)]);
  try {
    const response = await requestPinned(target, { method: "GET", timeoutMs: limits.timeoutMs, signal: deadline });
    if (!response.statusCode || response.statusCode < 200 || response.statusCode >= 300) {
      response.resume();
      throw new InputError("INPUT_DOWNLOAD_FAILED", `downloading ${reference} failed: HTTP ${response.statusCode ?? "?"}`);
    }
    const declared = Number(response.headers["content-length"] ?? Number.NaN);
    if (declared > limits.maxBytes) {
      response.destroy();
      throw new InputError("INPUT_TOO_LARGE", `input at ${reference} is ${declared} bytes, over the ${limits.maxBytes}-byte limit`);
    }
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > limits.maxBytes) {
          callback(new InputError("INPUT_TOO_LARGE", `input at ${reference} exceeds the ${limits.maxBytes}-byte limit`));
        } else {
          callback(null, chunk);
        }
      },
    });
    await pipeline(response, limit, createWriteStream(path), { signal: deadline });
    return path;
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof InputError) throw error;
    if (signal.aborted) throw signal.reason;
    // The socket's inactivity limit (the same length) may end a stalled download a moment before
    // the deadline fires, with a bare "aborted": that too is a download that took too long.
    const timedOut = deadline.aborted || Date.now() - startedAt >= limits.timeoutMs;
    const reason = timedOut ? `took longer than ${limits.timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    throw new InputError("INPUT_DOWNLOAD_FAILED", `downloading ${reference} failed: ${reason}`);
  }
}
