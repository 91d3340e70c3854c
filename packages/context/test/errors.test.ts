import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { InvalidTaskIdError, WfError, assertTaskId, isWfError } from "../src/index.js";

describe("isWfError", () => {
  it("recognises wf errors by code, and nothing else", () => {
    const error = (() => {
      try {
        assertTaskId("task 1");
      } catch (caught) {
        return caught;
      }
    })();
    expect(isWfError(error)).toBe(true);
    expect(isWfError(error, "INVALID_TASK_ID")).toBe(true);
    expect(isWfError(error, "STORE_UNAVAILABLE")).toBe(false);
    expect(isWfError(new Error("x"))).toBe(false);
    expect(isWfError({ code: "INVALID_TASK_ID" })).toBe(false);
    expect(isWfError(null)).toBe(false);
  });

  it("holds across the ESM and CommonJS builds, where instanceof does not", () => {
    const cjs = createRequire(import.meta.url)("../dist/index.cjs") as { InvalidTaskIdError: typeof InvalidTaskIdError; isWfError: typeof isWfError };
    const fromCjs = new cjs.InvalidTaskIdError("bad id");
    expect(fromCjs instanceof WfError).toBe(false);
    expect(isWfError(fromCjs, "INVALID_TASK_ID")).toBe(true);
    expect(cjs.isWfError(new InvalidTaskIdError("bad id"), "INVALID_TASK_ID")).toBe(true);
  });
});
