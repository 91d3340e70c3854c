import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { startS3Server, type S3ServerHandle } from "@wf/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectStoreError, createObjectStore, objectStoreConfigFromEnv, type ObjectStore } from "../src/index.js";

let server: S3ServerHandle;
let store: ObjectStore;
let dir: string;

beforeAll(async () => {
  server = await startS3Server({ buckets: ["yivideo", "other-bucket"] });
  store = createObjectStore(objectStoreConfigFromEnv({ ...server.minioEnv(), WF_S3_ALLOWED_BUCKETS: "other-bucket" })!);
  dir = await mkdtemp(join(tmpdir(), "wf-object-store-"));
});
afterAll(async () => {
  store?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const sha = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

describe("object store against a real S3 server", () => {
  it("uploads a multipart file and downloads it back byte for byte", async () => {
    const data = randomBytes(19 * 1024 * 1024 + 17);
    const source = join(dir, "big.bin");
    await writeFile(source, data);
    const ref = { bucket: "yivideo", key: "t-1/nodes/ffmpeg.extract_audio/big.bin" };
    expect(await store.uploadFile(ref, source)).toEqual({ size: data.length });
    expect((await store.head(ref))?.size).toBe(data.length);
    const target = join(dir, "back", "big.bin");
    expect(await store.download(ref, target, { maxBytes: data.length, timeoutMs: 30_000 })).toEqual({ size: data.length });
    expect(sha(await readFile(target))).toBe(sha(data));
  }, 60_000);

  it("streams an upload of unknown length and refuses one past its limit", async () => {
    const ref = { bucket: "yivideo", key: "uploads/stream.bin" };
    const data = randomBytes(3 * 1024 * 1024);
    expect(await store.uploadStream(ref, Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { contentType: "application/x-test" })).toEqual({ size: data.length });
    expect((await store.head(ref))?.contentType).toBe("application/x-test");
    const back = await store.read(ref);
    const chunks: Buffer[] = [];
    for await (const chunk of back.body) chunks.push(chunk as Buffer);
    expect(sha(Buffer.concat(chunks))).toBe(sha(data));
    const tooBig = store.uploadStream({ bucket: "yivideo", key: "uploads/too-big.bin" }, Readable.from([data]), { maxBytes: 1024 });
    await expect(tooBig).rejects.toMatchObject({ code: "OBJECT_TOO_LARGE" });
    expect(await store.head({ bucket: "yivideo", key: "uploads/too-big.bin" })).toBeUndefined();
  });

  it("reads a byte range", async () => {
    const ref = { bucket: "yivideo", key: "uploads/range.txt" };
    await store.uploadStream(ref, Readable.from([Buffer.from("0123456789")]));
    const part = await store.read(ref, { range: "bytes=2-5" });
    const chunks: Buffer[] = [];
    for await (const chunk of part.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("2345");
    expect(part.status).toBe(206);
    expect(part.contentRange).toBe("bytes 2-5/10");
  });

  it("refuses a download over its size limit and leaves no file", async () => {
    const ref = { bucket: "yivideo", key: "uploads/range.txt" };
    const target = join(dir, "limited.txt");
    await expect(store.download(ref, target, { maxBytes: 4, timeoutMs: 5_000 })).rejects.toMatchObject({ code: "OBJECT_TOO_LARGE" });
    await expect(stat(target)).rejects.toThrow();
  });

  it("lists and deletes by prefix, and only that prefix", async () => {
    for (const key of ["t-2/nodes/a/1.txt", "t-2/nodes/a/2.txt", "t-2/nodes/b/3.txt", "t-20/keep.txt"]) {
      await store.uploadStream({ bucket: "yivideo", key }, Readable.from([Buffer.from(key)]));
    }
    const listed = await store.list("yivideo", "t-2/");
    expect(listed.objects.map((object) => object.key)).toEqual(["t-2/nodes/a/1.txt", "t-2/nodes/a/2.txt", "t-2/nodes/b/3.txt"]);
    expect((await store.list("yivideo", "t-2/", 2)).truncated).toBe(true);
    expect(await store.removePrefix("yivideo", "t-2/")).toBe(3);
    expect((await store.list("yivideo", "t-2/")).objects).toEqual([]);
    expect(await store.head({ bucket: "yivideo", key: "t-20/keep.txt" })).toBeDefined();
    expect(await store.remove({ bucket: "yivideo", key: "t-20/keep.txt" })).toBe(true);
    expect(await store.remove({ bucket: "yivideo", key: "t-20/keep.txt" })).toBe(false);
  });

  it("presigns a GET link that plain HTTP fetches", async () => {
    const ref = { bucket: "other-bucket", key: "shared/hello.txt" };
    await store.uploadStream(ref, Readable.from([Buffer.from("hello")]));
    const link = await store.presignGet(ref, 24 * 3600);
    expect(link).toContain("X-Amz-Expires=86400");
    const answer = await fetch(link);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe("hello");
  });

  it("answers a missing object and a missing bucket with stable codes", async () => {
    await expect(store.read({ bucket: "yivideo", key: "nope" })).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND", retriable: false });
    const missing = createObjectStore({ ...store.config, bucket: "no-such-bucket" });
    await expect(missing.check()).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND", message: expect.stringContaining("no-such-bucket") });
    await missing.ensureBucket();
    await missing.check();
    missing.close();
    const wrongKey = createObjectStore({ ...store.config, accessKeyId: "NOT-A-KEY", secretAccessKey: "wrong" });
    await expect(wrongKey.read({ bucket: "other-bucket", key: "shared/hello.txt" })).rejects.toMatchObject({ code: "OBJECT_STORE_DENIED", retriable: false });
    await expect(wrongKey.check()).rejects.toMatchObject({ code: "OBJECT_STORE_DENIED" });
    wrongKey.close();
  });

  it("fails a transfer cleanly when the server dies mid-download, and works once it is back", async () => {
    const data = randomBytes(64 * 1024 * 1024);
    const source = join(dir, "kill.bin");
    await writeFile(source, data);
    const ref = { bucket: "yivideo", key: "uploads/kill.bin" };
    await store.uploadFile(ref, source);
    const target = join(dir, "kill-back.bin");
    const transfer = store.download(ref, target, { maxBytes: data.length, timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await server.kill();
    const failure = await transfer.then(() => undefined, (error: unknown) => error);
    await server.start();
    // A transfer that finished before the kill landed is fine too; one that broke must say why.
    if (failure !== undefined) {
      expect(failure).toBeInstanceOf(ObjectStoreError);
      expect((failure as ObjectStoreError).retriable).toBe(true);
      await expect(stat(target)).rejects.toThrow();
    }
    await server.kill();
    await expect(store.check(1_000)).rejects.toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|TIMEOUT/), retriable: true });
    await server.start();
    await store.download(ref, target, { maxBytes: data.length, timeoutMs: 30_000 });
    expect(sha(await readFile(target))).toBe(sha(data));
  }, 60_000);
});
