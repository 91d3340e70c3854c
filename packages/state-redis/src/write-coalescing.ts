import type { Cluster, Redis } from "ioredis";
import type { RedisConnection } from "./types.js";

type Socket = NonNullable<Redis["stream"]>;

/** The sockets a connection's commands may go out on: its own, or one per Cluster node. */
function socketsOf(redis: RedisConnection): Socket[] {
  const clients = redis.isCluster ? (redis as Cluster).nodes("all") : [redis as Redis];
  return clients.flatMap((client) => (client.stream ? [client.stream] : []));
}

/**
 * Returns a function to call before sending a command. The first call corks the connection's
 * sockets; they are uncorked by `setImmediate`, once the event loop has run every I/O callback of
 * its current iteration. Commands that concurrent callers (HTTP requests, jobs) send meanwhile
 * then leave in one socket write instead of one each, and every command still resolves on its own
 * reply. ioredis auto-pipelining also batches writes, but resolves a whole batch at once and keeps
 * one batch in flight, so Node and Redis take turns.
 *
 * The store and the active-node set use it on their connection; call it yourself before
 * commands another library sends on a connection you own (the gateway and the worker do so
 * before BullMQ adds and finishes jobs).
 *
 * @param redis - the connection (a client, or a Cluster and all its nodes).
 * @param enabled - `false` returns a function that does nothing. Default `true`.
 */
export function createWriteCoalescer(redis: RedisConnection, enabled = true): () => void {
  if (!enabled) return () => {};
  let corked: Socket[] | undefined;
  return () => {
    if (corked) return;
    const sockets = socketsOf(redis);
    for (const socket of sockets) socket.cork();
    corked = sockets;
    setImmediate(() => {
      corked = undefined;
      for (const socket of sockets) socket.uncork();
    });
  };
}
