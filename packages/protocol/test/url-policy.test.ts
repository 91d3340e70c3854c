import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { UrlPolicyError, checkPublicUrl, isOwnAddress, isPrivateAddress } from "../src/index.js";

const strict = { allowPrivate: false, allowedHosts: [] };

describe("URL policy (SSRF)", () => {
  it("refuses IPv4 loopback hidden in IPv6: compatible, SIIT, NAT64, 6to4", async () => {
    for (const url of [
      "http://[::127.0.0.1]/",
      "http://[::ffff:0:127.0.0.1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[64:ff9b::7f00:1]/",
      "http://[64:ff9b:1::7f00:1]/",
      "http://[2002:7f00:1::]/",
      "http://[2002:a00:1::1]/",
    ]) {
      await expect(checkPublicUrl(url, strict), url).rejects.toThrow(UrlPolicyError);
    }
  });

  it("refuses site-local, documentation, benchmarking, Teredo and discard ranges", () => {
    for (const address of ["fec0::1", "2001:db8::1", "2001:2::1", "2001:0:4136:e378::1", "100::1", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.19.0.1"]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
  });

  it("accepts public addresses, including public IPv4 inside IPv6", () => {
    for (const address of ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it("knows the machine's own interface addresses, and refuses URLs that reach them", async () => {
    const own = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []).map((entry) => entry.address);
    expect(own.length).toBeGreaterThan(0);
    for (const address of own) expect(isOwnAddress(address), address).toBe(true);
    expect(isOwnAddress("8.8.8.8")).toBe(false);
    const external = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []).find((entry) => !entry.internal && entry.family === "IPv4");
    if (external) {
      await expect(checkPublicUrl(`http://${external.address}:8000/cb`, strict)).rejects.toThrow(/private|this machine/);
    }
  });

  it("the exemptions still let tests and private deployments through", async () => {
    await expect(checkPublicUrl("http://[::127.0.0.1]/", { allowPrivate: true, allowedHosts: [] })).resolves.toMatchObject({ addresses: [{ address: "::7f00:1" }] });
  });
});
