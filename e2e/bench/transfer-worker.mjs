#!/usr/bin/env node
// The transfer bench's worker: a real wf worker with the object store from MINIO_*.
//   bench.make_file {mb}       -> writes an mb-MiB file in its output folder (uploaded by the executor)
//   bench.read_file {file}     -> resolves the input (an s3:// object is downloaded) and hashes it, streamed
//   bench.buffered_copy {file} -> the baseline: reads the whole file into memory and PUTs it in one request
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { openObjectStoreFromEnv } from "@wf/object-store";
import { connectRedis } from "@wf/state-redis";
import { defineNode, startWorker } from "@wf/worker";
import { pino } from "pino";
import { z } from "zod";
import { makeFileNode } from "../fixtures/store-worker/make-file-node.mjs";

const redis = connectRedis(process.env.REDIS_URL, { mode: "patient" });
const objectStore = await openObjectStoreFromEnv(process.env);
const nodes = [
  makeFileNode("bench.make_file"),
  defineNode({
    name: "bench.read_file",
    input: z.object({ file: z.string() }),
    uploads: false,
    run: async (input, ctx) => {
      const path = await ctx.resolveInput(input.file);
      const hash = createHash("sha256");
      await pipeline(createReadStream(path), hash);
      return { sha256: hash.digest("hex") };
    },
  }),
  defineNode({
    name: "bench.buffered_copy",
    input: z.object({ file: z.string() }),
    uploads: false,
    run: async (input) => {
      const data = await readFile(input.file);
      const { config } = objectStore;
      const client = new S3Client({ endpoint: config.endpoint, region: config.region, forcePathStyle: true, credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } });
      await client.send(new PutObjectCommand({ Bucket: config.bucket, Key: "bench/buffered.bin", Body: data }));
      client.destroy();
      return { size: data.length };
    },
  }),
];
await startWorker({ nodes, redis, sharedRoot: process.env.WF_SHARED_ROOT, objectStore, downloads: { maxBytes: 8 * 1024 ** 3 }, logger: pino({ level: "warn" }) });
process.stdout.write("ready\n");
