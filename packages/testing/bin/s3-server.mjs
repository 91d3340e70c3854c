#!/usr/bin/env node
// A real S3-protocol server (s3rver) in its own process, so a test can SIGKILL it mid-transfer.
// Usage: s3-server.mjs <port> <directory> <bucket>[,<bucket>…]; prints "ready" once it listens.
import S3rver from "s3rver";

const [port, directory, buckets] = process.argv.slice(2);
const server = new S3rver({
  port: Number(port),
  address: "127.0.0.1",
  silent: true,
  directory,
  configureBuckets: (buckets ?? "yivideo").split(",").map((name) => ({ name })),
});
await server.run();
process.stdout.write("ready\n");
process.on("SIGTERM", () => server.close().then(() => process.exit(0)));
