import { describe, expect, it } from "vitest";
import { MAX_INPUT_DEPTH, PlaceholderError, findPlaceholders, parsePlaceholder, resolvePlaceholders, type StageExecution } from "../src/index.js";

const stages: Record<string, StageExecution> = {
  "ffmpeg.extract_audio": { status: "SUCCESS", output: { audio_path: "/t/a.wav", duration_s: 2 } },
  "ffmpeg.extract_keyframes": { status: "PENDING", output: null },
};

describe("placeholders", () => {
  it("parses exactly ${{ stages.<task>.output.<field> }}, spaces inside the braces allowed", () => {
    expect(parsePlaceholder("${{ stages.ffmpeg.extract_audio.output.audio_path }}")).toEqual({ stage: "ffmpeg.extract_audio", field: "audio_path" });
    expect(parsePlaceholder("${{stages.ffmpeg.extract_audio.output.audio_path}}")).toEqual({ stage: "ffmpeg.extract_audio", field: "audio_path" });
    expect(parsePlaceholder("x ${{ stages.ffmpeg.extract_audio.output.audio_path }}")).toBeNull();
    expect(parsePlaceholder("${{ stages.ffmpeg.extract_audio.input.audio_path }}")).toBeNull();
    expect(parsePlaceholder("/plain/path.wav")).toBeNull();
  });

  it("finds placeholders at any depth, arrays included", () => {
    const input = { a: "${{ stages.ffmpeg.extract_audio.output.audio_path }}", b: [1, { c: "${{ stages.x.y.output.z }}" }], d: "plain" };
    expect(findPlaceholders(input)).toEqual([
      { path: ["a"], stage: "ffmpeg.extract_audio", field: "audio_path" },
      { path: ["b", 1, "c"], stage: "x.y", field: "z" },
    ]);
  });

  it("replaces each by the stage's output field, keeping its type, and leaves the rest alone", () => {
    const input = { audio_path: "${{ stages.ffmpeg.extract_audio.output.audio_path }}", list: ["${{stages.ffmpeg.extract_audio.output.duration_s}}"], keep: "x" };
    expect(resolvePlaceholders(input, stages)).toEqual({ audio_path: "/t/a.wav", list: [2], keep: "x" });
    expect(input.audio_path).toMatch(/^\$\{\{/);
  });

  it("a missing stage or field fails naming what is available", () => {
    const missingField = () => resolvePlaceholders({ p: "${{ stages.ffmpeg.extract_audio.output.nope }}" }, stages);
    expect(missingField).toThrow(PlaceholderError);
    expect(missingField).toThrow(/input_data\.p refers to ffmpeg\.extract_audio output field nope.*available fields: audio_path, duration_s/);
    expect(() => resolvePlaceholders({ p: ["${{ stages.ffmpeg.split_audio_segments.output.x }}"] }, stages)).toThrow(
      /input_data\.p\[0\] refers to stage ffmpeg\.split_audio_segments.*stages: ffmpeg\.extract_audio, ffmpeg\.extract_keyframes/,
    );
    expect(() => resolvePlaceholders({ p: "${{ stages.ffmpeg.extract_keyframes.output.keyframe_dir }}" }, stages)).toThrow(/available fields: none/);
  });

  it("refuses input nested deeper than the limit instead of overflowing the stack", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(() => findPlaceholders(deep)).toThrow(expect.objectContaining({ code: "INPUT_TOO_DEEP" }));
    let ok: unknown = "leaf";
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) ok = [ok];
    expect(findPlaceholders(ok)).toEqual([]);
  });

  it("keeps a __proto__ key as a plain field", () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const resolved = resolvePlaceholders(input, stages) as Record<string, unknown>;
    expect(Object.hasOwn(resolved, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
