import { InvalidTaskNameError } from "@wf/context";
import { describe, expect, it } from "vitest";

describe("node jobs", () => {
  it("names the queue after the service", async () => {
    const { queueNameOf } = await import("../src/index.js");
    expect(queueNameOf("ffmpeg.extract_audio")).toBe("ffmpeg_queue");
    expect(queueNameOf("faster_whisper.transcribe_audio")).toBe("faster_whisper_queue");
    expect(() => queueNameOf("nope")).toThrow(InvalidTaskNameError);
  });
});
