import { build } from "esbuild";
import { describe, expect, it } from "vitest";

// @wf/context is the pure wire format: it must bundle for a browser with nothing from Node.js.
describe("@wf/context in a browser", () => {
  it("bundles for the browser platform with no Node.js module left unresolved", async () => {
    const result = await build({
      entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]?.text ?? "";
    expect(code).not.toMatch(/from\s*["']node:|require\(["'](node:)?(dns|net|http|https|os|fs)["']\)/);
    expect(code).toContain("verifyCallbackSignature");
  });
});
