import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// `pnpm bench:e2e` must keep working: it runs here at a tiny size (its numbers are not checked;
// speed targets live in the benchmark's own output).

describe("bench:e2e", () => {
  it("runs both paths and prints the comparison", async () => {
    const script = join(import.meta.dirname, "..", "bench", "e2e.bench.mjs");
    const { stdout } = await promisify(execFile)(process.execPath, [script, "--tasks", "60", "--rounds", "1", "--idle", "5", "--commands"], { timeout: 120_000 });
    expect(stdout).toMatch(/\| bare BullMQ \| \d+ \|/);
    expect(stdout).toMatch(/\| wf \(POST -> SUCCESS\) \| \d+ \|/);
    expect(stdout).toMatch(/wf \/ bare BullMQ: \d+% \(target >= 50%\); wf idle POST->SUCCESS p50 [\d.]+ ms/);
    expect(stdout).toMatch(/CPU per task, all processes: bare BullMQ \d+ µs, wf \d+ µs \(bare \/ wf: \d+%\)/);
    // The pipeline row: a 5-node chain against BullMQ's FlowProducer, and the hop.
    expect(stdout).toMatch(/\| bare BullMQ FlowProducer, 5-level chain \| [\d.]+ ms \| [\d.]+ ms \|/);
    expect(stdout).toMatch(/\| wf, 5-node chain in one POST, to the last SUCCESS \| [\d.]+ ms \| [\d.]+ ms \|/);
    expect(stdout).toMatch(/wf chain \/ bare flow: [\d.]+x \(target <= 1\.5x\); hop p50 -?[\d.]+ ms \(target <= 2 ms\)/);
    // --commands: Redis scripts per task; wf's three node writes are scripts on top of BullMQ's.
    const scriptsPerTask = (label: string) => Number(new RegExp(`per task, ${label} [^\\n]*\\n(?:  .*\\n)*?  evalsha +([\\d.]+)`).exec(stdout)?.[1]);
    expect(scriptsPerTask("bare BullMQ")).toBeGreaterThanOrEqual(2);
    expect(scriptsPerTask("wf")).toBeGreaterThanOrEqual(scriptsPerTask("bare BullMQ") + 3);
  }, 150_000);
});
