import { describe, expect, it } from "vitest";
import { isSecretName, maskSecrets, maskSecretsInText } from "../src/index.js";

describe("masking rule", () => {
  it("masks fields by name: the issue's list and their spellings", () => {
    for (const name of ["passwd", "authorization", "Authorization", "private_key", "privateKey", "credentials", "X-Api-Key", "aws_secret_access_key", "session_token", "pass", "pwd"]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ["video_path", "name", "author", "passes", "keyframe_sample_count", "monkey"]) {
      expect(isSecretName(name), name).toBe(false);
    }
    expect(maskSecrets({ credentials: { user: "u", pass: "p" }, auth: { passwd: "x" }, keep: "k" })).toEqual({ credentials: "***", auth: "***", keep: "k" });
  });

  it("masks URL userinfo and secret query parameters in any string, keeping the rest of the URL", () => {
    const masked = maskSecrets({
      video_path: "https://user:hunter2@cdn.example.com/v.mp4?token=abc&width=640",
      signed: "https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Credential=AKIA&X-Amz-Signature=deadbeef&X-Amz-Expires=60",
      list: ["http://example.com/a?api_key=K&sig=S"],
      plain: "demo.mp4",
    });
    expect(masked.video_path).toBe("https://***:***@cdn.example.com/v.mp4?token=***&width=640");
    expect(masked.signed).toBe("https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Expires=60");
    expect(masked.list).toEqual(["http://example.com/a?api_key=***&sig=***"]);
    expect(masked.plain).toBe("demo.mp4");
    expect(JSON.stringify(masked)).not.toMatch(/hunter2|abc&|AKIA|deadbeef|=K&|=S"/);
  });

  it("masks URLs inside free text (error messages, log lines)", () => {
    expect(maskSecretsInText("download of https://h.example/v.mp4?access_token=T1 failed: 403")).toBe(
      "download of https://h.example/v.mp4?access_token=*** failed: 403",
    );
    expect(maskSecretsInText("no url here")).toBe("no url here");
  });
});
