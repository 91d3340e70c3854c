import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { NodeTimeoutError, startDeadline } from "../src/executor/deadline.js";
import { NodeAbort } from "../src/executor/node-abort.js";

describe("node deadline", () => {
  it("warns at 80 %, then aborts the node and rejects the race at the limit", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    const abort = new NodeAbort();
    const signal = abort.signal; // a handler that asked for its signal before the limit
    const deadline = startDeadline(200, abort, logger);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 170));
    expect(lines.some((line) => line.includes("80% of its time limit"))).toBe(true);
    expect(signal.aborted).toBe(false);
    await expect(deadline.race(new Promise(() => undefined))).rejects.toBeInstanceOf(NodeTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(deadline.expired).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(NodeTimeoutError);
    deadline.clear();
  });

  it("a cancellation aborts the node without counting as a timeout", () => {
    const abort = new NodeAbort();
    const deadline = startDeadline(10_000, abort, pino({ level: "silent" }));
    abort.abort(new Error("cancelled"));
    expect(abort.signal.aborted).toBe(true);
    expect(deadline.expired).toBe(false);
    deadline.clear();
  });

  it("once cleared, the limit passing aborts nothing", async () => {
    const abort = new NodeAbort();
    const deadline = startDeadline(50, abort, pino({ level: "silent" }));
    deadline.clear();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(abort.aborted).toBe(false);
    expect(deadline.expired).toBe(false);
  });
});

describe("node abort", () => {
  it("makes its signal only when asked, aborted with the first reason when the node was already told to stop", () => {
    const abort = new NodeAbort();
    abort.abort(new Error("cancelled"));
    abort.abort(new Error("a later reason"));
    expect(abort.aborted).toBe(true);
    const signal = abort.signal;
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe("cancelled");
    expect(abort.signal).toBe(signal);
  });

  it("aborts a signal handed out earlier, once, firing its listeners", () => {
    const abort = new NodeAbort();
    const signal = abort.signal;
    let fired = 0;
    signal.addEventListener("abort", () => (fired += 1));
    abort.abort(new Error("cancelled"));
    abort.abort(new Error("again"));
    expect(fired).toBe(1);
    expect((abort.reason as Error).message).toBe("cancelled");
  });
});
