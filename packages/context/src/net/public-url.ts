import { WfError } from "../errors.js";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Longest URL accepted (callbacks, inputs). */
export const MAX_URL_LENGTH = 2048;

/**
 * Which hosts a service may reach on a user's behalf (callbacks, input downloads). By default
 * only public addresses: no SSRF into loopback, private or link-local networks.
 */
export interface UrlPolicy {
  /** Allow loopback, private and link-local targets (tests, private deployments). */
  allowPrivate: boolean;
  /** Host names or IPs allowed whatever they resolve to. */
  allowedHosts: readonly string[];
}

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8]] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

/** Whether an IP address is loopback, private, link-local, multicast or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return PRIVATE.check(mapped[1], "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** A URL that passed the policy, with the addresses it may be reached at. */
export interface CheckedUrl {
  url: URL;
  addresses: { address: string; family: number }[];
}

/** Why a URL was refused by the policy. Code `URL_NOT_ALLOWED`. */
export class UrlPolicyError extends WfError {
  constructor(message: string) {
    super("URL_NOT_ALLOWED", message);
  }
}

/**
 * Checks a URL: http(s), at most 2048 characters, no credentials, and (unless the policy allows
 * it) resolving only to public addresses. Connecting only to the returned addresses (see
 * `requestPinned`) closes the DNS-rebinding gap between check and use.
 */
export async function checkPublicUrl(raw: string, policy: UrlPolicy, what = "URL"): Promise<CheckedUrl> {
  if (raw.length > MAX_URL_LENGTH) throw new UrlPolicyError(`${what} is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlPolicyError(`${what} is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UrlPolicyError(`${what} must be http or https`);
  if (url.username || url.password) throw new UrlPolicyError(`${what} must not carry credentials`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  } catch {
    throw new UrlPolicyError(`${what} host ${host} does not resolve`);
  }
  const exempt = policy.allowPrivate || policy.allowedHosts.includes(host);
  if (!exempt && addresses.some((entry) => isPrivateAddress(entry.address))) {
    throw new UrlPolicyError(`${what} host ${host} resolves to a loopback, private or link-local address`);
  }
  return { url, addresses };
}
