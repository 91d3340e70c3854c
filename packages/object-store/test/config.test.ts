import { describe, expect, it } from "vitest";
import { ObjectReferenceError, ObjectStoreConfigError, checkObjectKey, objectStoreConfigFromEnv, objectUrl, parseObjectReference } from "../src/index.js";

const minio = { MINIO_HOST: "minio", MINIO_PORT: "9000", MINIO_ACCESS_KEY: "ak", MINIO_SECRET_KEY: "sk", MINIO_DEFAULT_BUCKET: "yivideo" };

describe("object store settings", () => {
  it("are absent when nothing names a store", () => {
    expect(objectStoreConfigFromEnv({})).toBeUndefined();
  });

  it("take the original's MINIO_* settings", () => {
    expect(objectStoreConfigFromEnv({ ...minio, MINIO_SECURE: "true" })).toEqual({
      endpoint: "https://minio:9000",
      region: "us-east-1",
      accessKeyId: "ak",
      secretAccessKey: "sk",
      bucket: "yivideo",
      allowedBuckets: ["yivideo"],
      forcePathStyle: true,
    });
  });

  it("take generic S3 settings, AWS without an endpoint", () => {
    const aws = objectStoreConfigFromEnv({ S3_REGION: "eu-west-1", S3_BUCKET: "media-out", S3_ACCESS_KEY_ID: "a", S3_SECRET_ACCESS_KEY: "s", WF_S3_ALLOWED_BUCKETS: "media-in, media-out" });
    expect(aws).toMatchObject({ region: "eu-west-1", bucket: "media-out", forcePathStyle: false, allowedBuckets: ["media-out", "media-in"] });
    expect(aws?.endpoint).toBeUndefined();
  });

  it("refuse a half-configuration, naming what is missing", () => {
    expect(() => objectStoreConfigFromEnv({ MINIO_HOST: "minio" })).toThrow(/MINIO_ACCESS_KEY, MINIO_SECRET_KEY/);
    expect(() => objectStoreConfigFromEnv({ MINIO_ACCESS_KEY: "ak" })).toThrow(ObjectStoreConfigError);
    expect(() => objectStoreConfigFromEnv({ S3_BUCKET: "b-1", S3_ACCESS_KEY_ID: "a", S3_SECRET_ACCESS_KEY: "s" })).toThrow(/S3_ENDPOINT or S3_REGION/);
    expect(() => objectStoreConfigFromEnv({ ...minio, MINIO_PORT: "port" })).toThrow(/MINIO_PORT/);
    expect(() => objectStoreConfigFromEnv({ ...minio, MINIO_DEFAULT_BUCKET: "Bad_Bucket" })).toThrow(/bucket "Bad_Bucket"/);
    expect(() => objectStoreConfigFromEnv({ ...minio, S3_BUCKET: "other" })).toThrow(/one way/);
  });
});

describe("object references", () => {
  const config = objectStoreConfigFromEnv({ ...minio, WF_S3_ALLOWED_BUCKETS: "inputs" })!;

  it("read s3://, minio:// and the store's own URLs", () => {
    expect(parseObjectReference(config, "s3://yivideo/a/b.mp4")).toEqual({ bucket: "yivideo", key: "a/b.mp4" });
    expect(parseObjectReference(config, "minio://inputs/x y.wav")).toEqual({ bucket: "inputs", key: "x y.wav" });
    expect(parseObjectReference(config, "http://minio:9000/yivideo/t-1/nodes/ffmpeg.extract_audio/a%20b.wav?X-Amz-Signature=1")).toEqual({
      bucket: "yivideo",
      key: "t-1/nodes/ffmpeg.extract_audio/a b.wav",
    });
    const url = objectUrl(config, { bucket: "yivideo", key: "t-1/a b.wav" });
    expect(url).toBe("http://minio:9000/yivideo/t-1/a%20b.wav");
    expect(parseObjectReference(config, url)).toEqual({ bucket: "yivideo", key: "t-1/a b.wav" });
  });

  it("leave local paths and other hosts alone", () => {
    expect(parseObjectReference(config, "/share/in.mp4")).toBeUndefined();
    expect(parseObjectReference(config, "http://example.com/yivideo/a.mp4")).toBeUndefined();
    expect(parseObjectReference(config, "http://minio:9001/yivideo/a.mp4")).toBeUndefined();
  });

  it("refuse other buckets and keys that are not plain", () => {
    const codeOf = (reference: string): string => {
      try {
        parseObjectReference(config, reference);
        return "accepted";
      } catch (error) {
        return error instanceof ObjectReferenceError ? error.code : String(error);
      }
    };
    expect(codeOf("s3://secrets/a.mp4")).toBe("BUCKET_NOT_ALLOWED");
    expect(codeOf("s3://yivideo/../a.mp4")).toBe("OBJECT_KEY_INVALID");
    expect(codeOf("s3://yivideo//etc/passwd")).toBe("OBJECT_KEY_INVALID");
    expect(codeOf("s3://yivideo/a/./b")).toBe("OBJECT_KEY_INVALID");
    expect(codeOf("s3://yivideo/")).toBe("OBJECT_KEY_INVALID");
    expect(codeOf("http://minio:9000/yivideo")).toBe("OBJECT_KEY_INVALID");
    expect(checkObjectKey("a\u0000b")).toMatch(/control/);
    expect(checkObjectKey("videos/")).toBeUndefined();
  });
});
