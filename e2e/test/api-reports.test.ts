import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// Every published package's public API is written to etc/<name>.api.md by API Extractor and
// committed: a change to what other teams import fails here until the report is updated
// (`pnpm api:update`), so it shows up in review as a diff of that file.

const root = join(import.meta.dirname, "..", "..");
const extractor = join(dirname(createRequire(join(root, "package.json")).resolve("@microsoft/api-extractor/package.json")), "bin", "api-extractor");
const packages = ["packages/context", "packages/protocol", "packages/object-store", "packages/state-redis", "packages/client", "apps/gateway", "apps/worker"];

describe("API reports", () => {
  it.each(packages)("%s matches its committed API report", async (dir) => {
    const result = await promisify(execFile)(process.execPath, [extractor, "run"], { cwd: join(root, dir) }).then(
      () => ({ ok: true, output: "" }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
    );
    expect(result.output.match(/Warning:.*|Error:.*/g) ?? []).toEqual([]);
    expect(result.ok).toBe(true);
  }, 120_000);
});
