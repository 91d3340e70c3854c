import type { Redis } from "ioredis";
import type { RedisConnection } from "./types.js";

/**
 * Returns a function to call before sending a command. The first call corks the client's socket;
 * it is uncorked by `setImmediate`, once the event loop has run every I/O callback of its current
 * iteration. Commands that concurrent callers (HTTP requests, jobs) send meanwhile then leave in
 * one socket write instead of one each, and every command still resolves on its own reply.
 * ioredis auto-pipelining also batches writes, but resolves a whole batch at once and keeps one
 * batch in flight, so Node and Redis take turns. On a Cluster, whose commands go out on one socket
 * per node, it does nothing.
 */
export function createWriteCoalescer(redis: RedisConnection, enabled: boolean): () => void {
  if (!enabled || redis.isCluster) return () => {};
  const client = redis as Redis;
  let corked = false;
  return () => {
    const stream = client.stream;
    if (corked || !stream) return;
    corked = true;
    stream.cork();
    setImmediate(() => {
      corked = false;
      stream.uncork();
    });
  };
}
