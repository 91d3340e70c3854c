import { WfError } from "@wf/context";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { embeddedIpv4 } from "./ip-address.js";

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

// Not public: this-network, private, shared (CGNAT), loopback, link-local, IETF protocol
// assignments, documentation (TEST-NET-1/2/3), benchmarking, multicast, reserved and broadcast.
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
// Unspecified, loopback, discard-only, Teredo (tunnels to IPv4 it does not name plainly), IPv6
// benchmarking and documentation, unique-local, deprecated site-local, link-local, multicast.
for (const [network, prefix] of [
  ["::", 128], ["::1", 128], ["100::", 64], ["2001::", 32], ["2001:2::", 48], ["2001:db8::", 32],
  ["fc00::", 7], ["fec0::", 10], ["fe80::", 10], ["ff00::", 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

/**
 * Whether an IP address is loopback, private, link-local, documentation, multicast or otherwise
 * not public. An IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4) is
 * judged by that IPv4 address too.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return PRIVATE.check(address, "ipv4");
  const embedded = embeddedIpv4(address);
  if (embedded !== null && PRIVATE.check(embedded, "ipv4")) return true;
  return PRIVATE.check(address, "ipv6");
}

let ownAddresses: { at: number; set: Set<string> } | undefined;

/** Whether `address` is one of this machine's own interface addresses (refreshed every 10 s). */
export function isOwnAddress(address: string): boolean {
  if (!ownAddresses || Date.now() - ownAddresses.at > 10_000) {
    const set = new Set<string>();
    for (const entries of Object.values(networkInterfaces())) {
      for (const entry of entries ?? []) set.add(entry.address.toLowerCase().replace(/%.*$/, ""));
    }
    ownAddresses = { at: Date.now(), set };
  }
  const plain = address.toLowerCase().replace(/%.*$/, "");
  return ownAddresses.set.has(plain) || ownAddresses.set.has(embeddedIpv4(plain) ?? "");
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
  if (!exempt && addresses.some((entry) => isOwnAddress(entry.address))) {
    throw new UrlPolicyError(`${what} host ${host} resolves to an address of this machine`);
  }
  return { url, addresses };
}
