import { describe, expect, it } from "vitest";
import { failedNodeView, type WorkflowContext } from "../src/index.js";

describe("failedNodeView", () => {
  it("marks the node FAILED as the executor template does, keeping the stage's other fields", () => {
    const view: WorkflowContext = {
      workflow_id: "task-1",
      status: "running",
      input_params: { task_name: "ffmpeg.extract_audio" },
      stages: { "ffmpeg.extract_audio": { status: "IN_PROGRESS", job_id: "j1", input_params: { video_path: "/a.mp4" } } },
    };
    expect(failedNodeView(view, "ffmpeg.extract_audio", "its job is gone")).toEqual({
      ...view,
      status: "failed",
      error: "ffmpeg.extract_audio failed: its job is gone",
      stages: { "ffmpeg.extract_audio": { status: "FAILED", error: "its job is gone", job_id: "j1", input_params: { video_path: "/a.mp4" } } },
    });
    expect(view.stages["ffmpeg.extract_audio"]?.status).toBe("IN_PROGRESS");
  });
});
