import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

// The README's callback receiver is examples/verify-callback.ts, which `tsc` type-checks with the
// package: the two must stay the same text.
describe("README examples", () => {
  it("the callback receiver in the README is the type-checked example file", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("../examples/verify-callback.ts", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Verifying callbacks"));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(example);
  });
});
