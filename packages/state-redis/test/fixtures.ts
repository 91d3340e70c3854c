import { randomUUID } from "node:crypto";

/** A task id no other test uses, so tests share one Redis without flushing it. */
export function uniqueTaskId(label = "task"): string {
  return `${label}-${randomUUID()}`;
}

/** The seed plan's `_build_context`: one node with a SUCCESS stage. */
export function buildContext(taskId: string, taskName = "ffmpeg.extract_audio", status = "SUCCESS") {
  return {
    workflow_id: taskId,
    create_at: "2026-01-29T00:00:00",
    input_params: { task_name: taskName, input_data: { video_path: "demo.mp4" }, callback_url: null },
    shared_storage_path: `/share/workflows/${taskId}`,
    stages: {
      [taskName]: { status, output: { audio_path: "/share/workflows/demo.wav" }, error: null, duration: 1.0 },
    },
    error: null,
  };
}
