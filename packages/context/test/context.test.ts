import { describe, expect, it } from "vitest";
import {
  InvalidContextError,
  InvalidTaskIdError,
  InvalidTaskNameError,
  assertTaskId,
  buildSingleNodeResult,
  parseTaskName,
  parseWorkflowContext,
  taskStatusOf,
  timestampMillis,
} from "../src/index.js";

const original = {
  workflow_id: "task-1",
  create_at: "2026-01-29T00:00:00",
  input_params: { task_name: "ffmpeg.extract_audio", input_data: { video_path: "demo.mp4" }, callback_url: null },
  shared_storage_path: "/share/workflows/task-1",
  stages: {
    "ffmpeg.extract_audio": {
      status: "SUCCESS",
      output: { audio_path: "/share/workflows/demo.wav" },
      error: null,
      duration: 1.0,
    },
  },
  error: null,
};

describe("WorkflowContext wire format", () => {
  it("round-trips the original Python shape unchanged", () => {
    const parsed = parseWorkflowContext(original);
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(original);
  });

  it("keeps unknown extra fields at the top level, in input_params and in stages", () => {
    const parsed = parseWorkflowContext({
      ...original,
      minio_files: [{ name: "a.wav" }],
      input_params: { ...original.input_params, priority: 3 },
      stages: { "a.b": { status: "PENDING", worker: "w-1" } },
    });
    expect(parsed["minio_files"]).toEqual([{ name: "a.wav" }]);
    expect(parsed.input_params["priority"]).toBe(3);
    expect(parsed.stages["a.b"]?.["worker"]).toBe("w-1");
  });

  it("normalises lower-case and legacy stage statuses", () => {
    const parsed = parseWorkflowContext({
      workflow_id: "t",
      status: "RUNNING",
      stages: {
        "a.a": { status: "pending" },
        "a.b": { status: "running" },
        "a.c": { status: "success" },
        "a.d": { status: "failed" },
        "a.e": { status: "canceled" },
      },
    });
    expect(parsed.status).toBe("running");
    expect(Object.values(parsed.stages).map((s) => s.status)).toEqual([
      "PENDING",
      "IN_PROGRESS",
      "SUCCESS",
      "FAILED",
      "CANCELLED",
    ]);
  });

  it("accepts missing optional fields", () => {
    const parsed = parseWorkflowContext({ workflow_id: "t" });
    expect(parsed.stages).toEqual({});
    expect(parsed.input_params).toEqual({});
  });

  it("rejects an unknown stage status with a typed error naming the path", () => {
    let caught: unknown;
    try {
      parseWorkflowContext({ workflow_id: "t", stages: { "a.b": { status: "EXPLODED" } } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidContextError);
    expect((caught as InvalidContextError).code).toBe("INVALID_CONTEXT");
    expect((caught as InvalidContextError).message).toContain("stages.a.b.status");
  });
});

describe("task ids", () => {
  it.each(["task-1", "task-5f0c7a2e-1c2b-4d0e-9f6a-0b1c2d3e4f50", "a", "A.b_c-d", "x".repeat(128)])(
    "accepts %s",
    (id) => {
      expect(assertTaskId(id)).toBe(id);
    },
  );

  it.each(["", "a:node:b", "a*", "a?", "[a]", "a/b", "a b", "..", ".hidden", "{a}", "a\\b", "x".repeat(129), 42])(
    "rejects %j with INVALID_TASK_ID",
    (id) => {
      expect(() => assertTaskId(id)).toThrow(InvalidTaskIdError);
      try {
        assertTaskId(id);
      } catch (error) {
        expect((error as InvalidTaskIdError).code).toBe("INVALID_TASK_ID");
      }
    },
  );
});

describe("task names", () => {
  it("parses <service>.<function>", () => {
    expect(parseTaskName("ffmpeg.extract_audio")).toEqual({ service: "ffmpeg", fn: "extract_audio" });
    expect(parseTaskName("faster_whisper.transcribe_audio")).toEqual({
      service: "faster_whisper",
      fn: "transcribe_audio",
    });
  });

  it.each(["", "ffmpeg", "ffmpeg.", ".extract", "a.b.c", "ffmpeg extract", "FFmpeg.x", null])(
    "rejects %j",
    (name) => {
      expect(() => parseTaskName(name)).toThrow(InvalidTaskNameError);
    },
  );
});

describe("helpers", () => {
  it("builds the single-node result", () => {
    const parsed = parseWorkflowContext(original);
    expect(buildSingleNodeResult("ffmpeg.extract_audio", parsed.stages["ffmpeg.extract_audio"])).toEqual({
      task_name: "ffmpeg.extract_audio",
      status: "SUCCESS",
      input_params: null,
      output: { audio_path: "/share/workflows/demo.wav" },
      error: null,
      duration: 1,
    });
    expect(buildSingleNodeResult("x.y", undefined).status).toBeNull();
    // The original's answer shape while a node has no result: an object and a float, never null.
    expect(buildSingleNodeResult("x.y", { status: "IN_PROGRESS", output: null, duration: null, error: null })).toMatchObject({ output: {}, duration: 0 });
  });

  it("maps stage statuses to task statuses", () => {
    expect(taskStatusOf("IN_PROGRESS")).toBe("running");
    expect(taskStatusOf("SUCCESS")).toBe("completed");
  });

  it("reads naive timestamps as UTC and rejects garbage", () => {
    expect(timestampMillis("2026-01-29T00:00:00")).toBe(Date.UTC(2026, 0, 29));
    expect(timestampMillis("2026-01-29T01:00:00+01:00")).toBe(Date.UTC(2026, 0, 29));
    expect(timestampMillis("yesterday")).toBeUndefined();
    expect(timestampMillis(null)).toBeUndefined();
  });
});

describe("maskSecrets", () => {
  it("masks secret-looking fields at any depth and leaves the rest", async () => {
    const { maskSecrets } = await import("../src/index.js");
    const input = { api_key: "a", apiKey: "b", list: [{ token: "c", name: "n" }], deep: { db_password: "d", client_secret: "e", keep: 1 } };
    expect(maskSecrets(input)).toEqual({
      api_key: "***",
      apiKey: "***",
      list: [{ token: "***", name: "n" }],
      deep: { db_password: "***", client_secret: "***", keep: 1 },
    });
    expect(input.api_key).toBe("a");
  });
});
