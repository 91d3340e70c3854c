import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { CheckedCallbackUrl } from "./url-policy.js";

/**
 * POSTs JSON to a checked URL, connecting only to the addresses the check resolved. Resolves with
 * the HTTP status; rejects on network errors and after `timeoutMs`.
 */
export function postJson(target: CheckedCallbackUrl, body: unknown, timeoutMs: number): Promise<number> {
  const payload = JSON.stringify(body);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    const entries = target.addresses;
    if (options.all) {
      callback(null, entries);
    } else {
      const first = entries[0] as { address: string; family: number };
      callback(null, first.address, first.family);
    }
  };
  const send = target.url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target.url,
      {
        method: "POST",
        lookup: pinned,
        timeout: timeoutMs,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "user-agent": "wf-gateway" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}
