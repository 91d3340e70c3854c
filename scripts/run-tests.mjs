#!/usr/bin/env node
// Runs every workspace's tests through turbo, then sums the vitest JSON reports into the one
// line CI reads: `tests: N passed, M failed`. A workspace whose report is missing (it crashed or
// did not build) counts as a failure, so a broken package can never pass as "0 failed".
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const workspaces = ["packages", "apps"]
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
  .concat(join(root, "e2e"))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .filter((dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).scripts?.test);

for (const dir of workspaces) rmSync(join(dir, "test-results.json"), { force: true });

const turbo = spawnSync("pnpm", ["exec", "turbo", "run", "test", "--continue", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NO_COLOR: process.env.NO_COLOR ?? "1", TURBO_TELEMETRY_DISABLED: "1" },
});

let passed = 0;
let failed = 0;
for (const dir of workspaces) {
  const report = join(dir, "test-results.json");
  const name = dir.slice(root.length);
  if (!existsSync(report)) {
    console.error(`no test report from ${name}: its tests did not run to completion`);
    failed += 1;
    continue;
  }
  const result = JSON.parse(readFileSync(report, "utf8"));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  if (result.numTotalTests === 0 || !result.success) {
    console.error(`${name}: ${result.numFailedTests} failed of ${result.numTotalTests}${result.success ? "" : " (suite errors)"}`);
    if (result.numFailedTests === 0) failed += 1;
  }
}
if (turbo.status !== 0 && failed === 0) {
  console.error("turbo reported a failure that no test report explains");
  failed += 1;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
