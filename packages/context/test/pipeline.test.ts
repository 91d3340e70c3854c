import { describe, expect, it } from "vitest";
import { findCycle, taskStatusOfStages, waitingFor, type StageExecution } from "../src/index.js";

const stage = (status: StageExecution["status"], dependsOn?: string[], jobId = "job"): StageExecution => ({
  status,
  input_params: {},
  output: null,
  error: null,
  duration: null,
  job_id: jobId,
  ...(dependsOn ? { depends_on: dependsOn } : {}),
});

describe("pipeline graph", () => {
  it("finds a cycle and names it, and none in a diamond", () => {
    expect(findCycle(new Map([["a", ["c"]], ["b", ["a"]], ["c", ["b"]]]))).toEqual(["a", "c", "b", "a"]);
    expect(findCycle(new Map([["a", ["a"]]]))).toEqual(["a", "a"]);
    expect(findCycle(new Map([["a", []], ["b", ["a"]], ["c", ["a"]], ["d", ["b", "c", "outside"]]]))).toBeNull();
  });

  it("a waiting stage waits for its dependencies that have not succeeded", () => {
    const stages = { b: stage("SUCCESS"), c: stage("IN_PROGRESS"), d: stage("PENDING", ["b", "c"], "d1"), e: stage("IN_PROGRESS", ["c"]) };
    expect(waitingFor(stages.d, stages)).toEqual(["c"]);
    expect(waitingFor(stages.e, stages)).toEqual([]);
  });

  it("the task's status comes from all of its stages", () => {
    expect(taskStatusOfStages({ a: stage("FAILED"), b: stage("SUCCESS") })).toBe("failed");
    expect(taskStatusOfStages({ a: stage("FAILED"), b: stage("IN_PROGRESS") })).toBe("running");
    expect(taskStatusOfStages({ a: stage("SUCCESS"), b: stage("PENDING") })).toBe("pending");
    expect(taskStatusOfStages({ a: stage("CANCELLED"), b: stage("SUCCESS") })).toBe("cancelled");
    expect(taskStatusOfStages({ a: stage("SUCCESS") })).toBe("completed");
    expect(taskStatusOfStages({})).toBeNull();
  });
});
