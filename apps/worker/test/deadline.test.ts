import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { NodeTimeoutError, startDeadline } from "../src/executor/deadline.js";

describe("node deadline", () => {
  it("warns at 80 %, then aborts the signal and rejects the race at the limit", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    const deadline = startDeadline(200, new AbortController().signal, logger);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 170));
    expect(lines.some((line) => line.includes("80% of its time limit"))).toBe(true);
    expect(deadline.signal.aborted).toBe(false);
    await expect(deadline.race(new Promise(() => undefined))).rejects.toBeInstanceOf(NodeTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(deadline.expired).toBe(true);
    expect(deadline.signal.aborted).toBe(true);
    deadline.clear();
  });

  it("a cancellation aborts the signal without counting as a timeout", () => {
    const cancel = new AbortController();
    const deadline = startDeadline(10_000, cancel.signal, pino({ level: "silent" }));
    cancel.abort();
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired).toBe(false);
    deadline.clear();
  });

  it("a job cancelled before its deadline starts begins aborted, with the cancellation's reason", () => {
    const cancel = new AbortController();
    cancel.abort(new Error("cancelled by the gateway"));
    const deadline = startDeadline(10_000, cancel.signal, pino({ level: "silent" }));
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).message).toBe("cancelled by the gateway");
    deadline.clear();
  });

  it("once cleared, a later cancellation of the job's signal no longer reaches the node's signal", () => {
    const cancel = new AbortController();
    const deadline = startDeadline(10_000, cancel.signal, pino({ level: "silent" }));
    deadline.clear();
    cancel.abort();
    expect(deadline.signal.aborted).toBe(false);
  });
});
