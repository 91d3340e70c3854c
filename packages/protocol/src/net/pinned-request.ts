import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { CheckedUrl } from "./public-url.js";

/** Options of {@link requestPinned}. */
export interface PinnedRequestOptions {
  method: "GET" | "POST";
  headers?: Record<string, string | number>;
  body?: string;
  /** Socket inactivity limit. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Sends an HTTP(S) request to a checked URL, connecting only to the addresses the check
 * resolved (no second DNS lookup an attacker could rebind). Resolves with the response, whose
 * body the caller must consume.
 */
export function requestPinned(target: CheckedUrl, options: PinnedRequestOptions): Promise<IncomingMessage> {
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) {
      callback(null, target.addresses);
    } else {
      const first = target.addresses[0] as { address: string; family: number };
      callback(null, first.address, first.family);
    }
  };
  const send = target.url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target.url, {
      method: options.method,
      lookup: pinned,
      timeout: options.timeoutMs,
      headers: { "user-agent": "wf", ...options.headers },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    req.on("response", resolve);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on("error", reject);
    req.end(options.body);
  });
}
