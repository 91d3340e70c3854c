import { describe, expect, it } from "vitest";
import { findCycle, nextPipelineStep, taskStatusOfStages, waitingFor, type StageExecution } from "../src/index.js";

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

  it("a node is ready only when every dependency succeeded", () => {
    const stages = { a: stage("SUCCESS"), b: stage("SUCCESS"), c: stage("IN_PROGRESS"), d: stage("PENDING", ["b", "c"], "d1"), e: stage("PENDING", ["a", "b"], "e1") };
    expect(nextPipelineStep(stages)).toEqual({ ready: [{ taskName: "e", jobId: "e1" }], doomed: [] });
    expect(waitingFor(stages.d, stages)).toEqual(["c"]);
    expect(waitingFor(stages.e, stages)).toEqual([]);
  });

  it("a failure dooms everything downstream, transitively, and leaves other branches alone", () => {
    const stages = { a: stage("FAILED"), b: stage("PENDING", ["a"], "b1"), c: stage("PENDING", ["b"], "c1"), x: stage("SUCCESS"), y: stage("PENDING", ["x"], "y1") };
    const step = nextPipelineStep(stages);
    expect(step.ready).toEqual([{ taskName: "y", jobId: "y1" }]);
    expect(step.doomed).toEqual([
      { taskName: "b", jobId: "b1", reason: "not run: a failed" },
      { taskName: "c", jobId: "c1", reason: "not run: b cancelled" },
    ]);
    expect(nextPipelineStep({ a: stage("CANCELLED"), b: stage("PENDING", ["a"]) }).doomed[0]?.reason).toBe("not run: a cancelled");
    expect(nextPipelineStep({ b: stage("PENDING", ["a"]) }).doomed[0]?.reason).toBe("not run: a is gone");
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
