import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { signCallback, verifyCallbackSignature } from "../src/index.js";

const secret = "whsec_0123456789abcdef";
const body = '{"task_id":"task-1","status":"completed"}';

describe("callback signatures", () => {
  it("signs t.<raw body> with HMAC-SHA256, as an independent implementation computes it", async () => {
    const header = await signCallback(body, secret, 1_700_000_000);
    const expected = createHmac("sha256", secret).update(`1700000000.${body}`).digest("hex");
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it("verifies a genuine callback and refuses a tampered body, another secret, a stale or future time", async () => {
    const now = 1_700_000_000;
    const header = await signCallback(body, secret, now);
    expect(await verifyCallbackSignature(body, header, secret, { nowSeconds: now + 10 })).toBe(true);
    expect(await verifyCallbackSignature(body.replace("completed", "failed"), header, secret, { nowSeconds: now })).toBe(false);
    expect(await verifyCallbackSignature(body, header, "another-secret-value", { nowSeconds: now })).toBe(false);
    expect(await verifyCallbackSignature(body, header, secret, { nowSeconds: now + 301 })).toBe(false);
    expect(await verifyCallbackSignature(body, header, secret, { nowSeconds: now - 301 })).toBe(false);
    expect(await verifyCallbackSignature(body, header, secret, { nowSeconds: now + 1000, toleranceSeconds: 2000 })).toBe(true);
    expect(await verifyCallbackSignature(body, undefined, secret)).toBe(false);
    expect(await verifyCallbackSignature(body, "garbage", secret)).toBe(false);
  });

  it("accepts any of several v1 signatures (secret rotation)", async () => {
    const now = 1_700_000_000;
    const genuine = (await signCallback(body, secret, now)).split(",")[1];
    expect(await verifyCallbackSignature(body, `t=${now},v1=${"0".repeat(64)},${genuine}`, secret, { nowSeconds: now })).toBe(true);
  });
});
