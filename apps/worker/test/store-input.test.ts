import { describe, expect, it } from "vitest";
import { taskObjectOfPath } from "../src/inputs/store-input.js";

// A file of a task written on another machine is fetched from the store by its place in the
// task's folder: only the node's own task's objects, never another task's, never a traversal.
describe("the store object a local path of a task stands for", () => {
  it("maps any root's task folder to the task's own objects", () => {
    expect(taskObjectOfPath("/mnt/other-root/tasks/task-1/nodes/ffmpeg.extract_audio/a.wav", "task-1", "yivideo")).toEqual({ bucket: "yivideo", key: "task-1/nodes/ffmpeg.extract_audio/a.wav" });
  });

  it("never reaches another task's objects, or out of the task by ..", () => {
    expect(taskObjectOfPath("/share/tasks/task-2/nodes/x/a.wav", "task-1", "yivideo")).toBeUndefined();
    expect(taskObjectOfPath("/share/tasks/task-10/a.wav", "task-1", "yivideo")).toBeUndefined();
    expect(taskObjectOfPath("/share/tasks/task-1/../task-2/a.wav", "task-1", "yivideo")).toBeUndefined();
    expect(taskObjectOfPath("/share/tasks/task-1/", "task-1", "yivideo")).toBeUndefined();
    expect(taskObjectOfPath("/share/inputs/task-1/a.wav", "task-1", "yivideo")).toBeUndefined();
  });
});
