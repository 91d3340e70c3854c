import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { ObjectStoreConfig } from "./config.js";
import { ObjectStoreError, storeErrorOf } from "./errors.js";
import type { ObjectRef } from "./object-key.js";
import { objectUrl } from "./reference.js";

/** What a listing or a HEAD tells about one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: string | null;
  etag: string | null;
  contentType: string | null;
}

/** An object being read: its body streams, nothing is buffered. */
export interface ObjectRead {
  body: Readable;
  /** 206 when a range was asked for and honoured. */
  status: 200 | 206;
  contentLength: number | null;
  contentRange: string | null;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
}

/** Limits of {@link ObjectStore.download}. */
export interface DownloadLimits {
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** An S3-compatible object store (MinIO, AWS S3, R2, s3rver). Every transfer streams. */
export interface ObjectStore {
  readonly config: ObjectStoreConfig;
  /** Resolves when the default bucket answers; rejects with an {@link ObjectStoreError} otherwise. */
  check(timeoutMs?: number): Promise<void>;
  /** Creates the default bucket when it does not exist (MinIO and s3rver start empty). */
  ensureBucket(): Promise<void>;
  /** Uploads a local file (multipart past 8 MB parts, at most 4 parts in memory). */
  uploadFile(ref: ObjectRef, path: string, options?: { contentType?: string; signal?: AbortSignal }): Promise<{ size: number }>;
  /** Uploads a stream of unknown length, counting its bytes; refuses (and aborts) past `maxBytes`. */
  uploadStream(ref: ObjectRef, body: Readable, options?: { contentType?: string; maxBytes?: number; signal?: AbortSignal }): Promise<{ size: number }>;
  /** Downloads an object to `path` within the limits; a partial file is removed on failure. */
  download(ref: ObjectRef, path: string, limits: DownloadLimits): Promise<{ size: number }>;
  /** Opens an object for reading, optionally a `Range` (`bytes=0-99`). */
  read(ref: ObjectRef, options?: { range?: string; signal?: AbortSignal }): Promise<ObjectRead>;
  /** The object's size and type, or `undefined` when there is none. */
  head(ref: ObjectRef): Promise<ObjectInfo | undefined>;
  /** Objects under `prefix`, key order, at most `limit` (default 1000). */
  list(bucket: string, prefix: string, limit?: number): Promise<{ objects: ObjectInfo[]; truncated: boolean }>;
  /** Deletes one object; `false` when there was none. */
  remove(ref: ObjectRef): Promise<boolean>;
  /** Deletes every object under `prefix` (1000 per request); the number removed. */
  removePrefix(bucket: string, prefix: string): Promise<number>;
  /** A presigned GET link valid `expiresInSeconds` (default 24 h). */
  presignGet(ref: ObjectRef, expiresInSeconds?: number): Promise<string>;
  /** The object's unsigned store URL (the original's `_minio_url` form). */
  url(ref: ObjectRef): string;
  /** Closes the client's sockets. */
  close(): void;
}

/** The key `check` reads; never written. */
const HEALTH_PROBE_KEY = ".wf-health-probe";
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** A Transform that counts bytes and fails past `maxBytes`. */
function byteLimit(maxBytes: number, what: string, counted: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counted.bytes += chunk.length;
      if (counted.bytes > maxBytes) callback(new ObjectStoreError("OBJECT_TOO_LARGE", `${what} exceeds the ${maxBytes}-byte limit`));
      else callback(null, chunk);
    },
  });
}

/** Creates a client of the store `config` describes. */
export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
  const client = new S3Client({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    region: config.region,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    forcePathStyle: config.forcePathStyle,
    maxAttempts: 3,
    requestChecksumCalculation: "WHEN_REQUIRED",
    // No response bytes for this long is a dead connection (every transfer streams, so a slow
    // but moving one never trips it).
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
  const name = (ref: ObjectRef): string => `${ref.bucket}/${ref.key}`;

  const upload = async (ref: ObjectRef, body: Readable, contentType: string | undefined, signal: AbortSignal | undefined): Promise<void> => {
    const transfer = new Upload({
      client,
      params: { Bucket: ref.bucket, Key: ref.key, Body: body, ...(contentType ? { ContentType: contentType } : {}) },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const onAbort = (): void => void transfer.abort().catch(() => undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await transfer.done();
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };

  return {
    config,
    async check(timeoutMs = 3_000) {
      // A GET of a key that is not there: every S3 server checks its signature (s3rver answers
      // HEAD of a bucket to anyone), and its error tells a missing bucket from a missing key.
      try {
        const probe = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: HEALTH_PROBE_KEY }), { abortSignal: AbortSignal.timeout(timeoutMs) });
        (probe.Body as Readable | undefined)?.destroy();
      } catch (error) {
        const name = (error as { name?: string; Code?: string }).name;
        if (name === "NoSuchKey") return;
        const failure = storeErrorOf(error, `bucket ${config.bucket}`);
        if (failure.code === "OBJECT_NOT_FOUND") throw new ObjectStoreError("OBJECT_NOT_FOUND", `bucket ${config.bucket} does not exist`, { cause: error });
        throw failure;
      }
    },
    async ensureBucket() {
      try {
        await this.check();
      } catch (error) {
        if (!(error instanceof ObjectStoreError) || error.code !== "OBJECT_NOT_FOUND") throw error;
        await client.send(new CreateBucketCommand({ Bucket: config.bucket })).catch((failure: unknown) => {
          throw storeErrorOf(failure, `creating bucket ${config.bucket}`);
        });
      }
    },
    async uploadFile(ref, path, options = {}) {
      const { size } = await stat(path);
      try {
        await upload(ref, createReadStream(path), options.contentType, options.signal);
      } catch (error) {
        throw storeErrorOf(error, `uploading ${path} to ${name(ref)}`);
      }
      return { size };
    },
    async uploadStream(ref, body, options = {}) {
      const counted = { bytes: 0 };
      // One transform counts the bytes (and enforces the limit, when there is one).
      const limited = body.pipe(byteLimit(options.maxBytes ?? Number.POSITIVE_INFINITY, "the upload", counted));
      body.on("error", (error) => limited.destroy(error));
      try {
        await upload(ref, limited, options.contentType, options.signal);
      } catch (error) {
        const cause = limited.errored ?? error;
        throw storeErrorOf(cause, `uploading to ${name(ref)}`);
      }
      return { size: counted.bytes };
    },
    async download(ref, path, limits) {
      const deadline = AbortSignal.any([AbortSignal.timeout(limits.timeoutMs), ...(limits.signal ? [limits.signal] : [])]);
      await mkdir(dirname(path), { recursive: true });
      const counted = { bytes: 0 };
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { abortSignal: deadline });
        if ((object.ContentLength ?? 0) > limits.maxBytes) {
          (object.Body as Readable | undefined)?.destroy();
          throw new ObjectStoreError("OBJECT_TOO_LARGE", `${name(ref)} is ${object.ContentLength} bytes, over the ${limits.maxBytes}-byte limit`);
        }
        await pipeline(object.Body as Readable, byteLimit(limits.maxBytes, name(ref), counted), createWriteStream(path), { signal: deadline });
        return { size: counted.bytes };
      } catch (error) {
        await rm(path, { force: true });
        if (limits.signal?.aborted) throw limits.signal.reason;
        if (deadline.aborted) throw new ObjectStoreError("OBJECT_STORE_TIMEOUT", `downloading ${name(ref)} took longer than ${limits.timeoutMs} ms`, { cause: error });
        throw storeErrorOf(error, `downloading ${name(ref)}`);
      }
    },
    async read(ref, options = {}) {
      try {
        const object = await client.send(
          new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, ...(options.range ? { Range: options.range } : {}) }),
          options.signal ? { abortSignal: options.signal } : {},
        );
        return {
          body: object.Body as Readable,
          status: object.ContentRange ? 206 : 200,
          contentLength: object.ContentLength ?? null,
          contentRange: object.ContentRange ?? null,
          contentType: object.ContentType ?? null,
          etag: object.ETag ?? null,
          lastModified: iso(object.LastModified),
        };
      } catch (error) {
        throw storeErrorOf(error, `reading ${name(ref)}`);
      }
    },
    async head(ref) {
      try {
        const object = await client.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
        return { key: ref.key, size: object.ContentLength ?? 0, lastModified: iso(object.LastModified), etag: object.ETag ?? null, contentType: object.ContentType ?? null };
      } catch (error) {
        const failure = storeErrorOf(error, `reading ${name(ref)}`);
        if (failure.code === "OBJECT_NOT_FOUND") return undefined;
        throw failure;
      }
    },
    async list(bucket, prefix, limit = 1000) {
      const objects: ObjectInfo[] = [];
      try {
        for await (const page of paginateListObjectsV2({ client, pageSize: Math.min(limit + 1, 1000) }, { Bucket: bucket, Prefix: prefix })) {
          for (const item of page.Contents ?? []) {
            if (objects.length === limit) return { objects, truncated: true };
            objects.push({ key: item.Key ?? "", size: item.Size ?? 0, lastModified: iso(item.LastModified), etag: item.ETag ?? null, contentType: null });
          }
        }
      } catch (error) {
        throw storeErrorOf(error, `listing ${bucket}/${prefix}`);
      }
      return { objects, truncated: false };
    },
    async remove(ref) {
      const existing = await this.head(ref);
      if (!existing) return false;
      try {
        await client.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      } catch (error) {
        throw storeErrorOf(error, `deleting ${name(ref)}`);
      }
      return true;
    },
    async removePrefix(bucket, prefix) {
      let removed = 0;
      try {
        for (;;) {
          const { objects } = await this.list(bucket, prefix, 1000);
          if (objects.length === 0) return removed;
          const answer = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects.map(({ key }) => ({ Key: key })), Quiet: true } }));
          if (answer.Errors && answer.Errors.length > 0) {
            const first = answer.Errors[0];
            throw new ObjectStoreError("OBJECT_STORE_UNAVAILABLE", `deleting ${bucket}/${prefix}: ${answer.Errors.length} objects not removed (${first?.Key}: ${first?.Message ?? first?.Code})`);
          }
          removed += objects.length;
        }
      } catch (error) {
        throw storeErrorOf(error, `deleting ${bucket}/${prefix}`);
      }
    },
    async presignGet(ref, expiresInSeconds = 24 * 3600) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { expiresIn: expiresInSeconds });
    },
    url: (ref) => objectUrl(config, ref),
    close: () => client.destroy(),
  };
}
