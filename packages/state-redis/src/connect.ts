import { Cluster, Redis } from "ioredis";
import type { KeyLayout } from "./keys.js";
import type { RedisConnection } from "./types.js";

/** How a connection behaves while Redis is away. */
export type ConnectionMode =
  /** Commands fail at once (no offline queue, 1 s timeouts): for request handlers that must answer 503. */
  | "fail-fast"
  /** Commands wait for the connection to come back (on a Cluster, through a failover for up to 30 s): for workers, and required by BullMQ workers. */
  | "patient"
  /**
   * A connection of its own that one reader blocks (`XREAD BLOCK`): commands wait for the
   * connection once, then fail (one retry, 1 s connect timeout), and may take as long as they ask.
   */
  | "blocking";

/** Redis behind Sentinel: where the sentinels are, the master group they monitor, their credentials. */
export interface SentinelOptions {
  sentinels: { host: string; port: number }[];
  /** The master group name (`sentinel monitor <name> …`). */
  name: string;
  sentinelUsername?: string | undefined;
  sentinelPassword?: string | undefined;
  /** Speak TLS to the sentinels. */
  tls: boolean;
}

/** Options of {@link connectRedis}. */
export interface ConnectOptions {
  /** `url` names one node of a Redis Cluster; the others are discovered. */
  cluster?: boolean;
  /**
   * Find the master through Sentinel, and follow a failover: the client asks the sentinels again
   * when its connection drops (ioredis's `failoverDetector` stays off: with it, connections were
   * seen to end for good after a failover). `url`'s host is
   * then not used; its user, password, db and `rediss:` (TLS) are.
   */
  sentinel?: SentinelOptions | undefined;
  mode: ConnectionMode;
}

/**
 * How long a patient Cluster connection carries a command through a failover: its master's
 * connection closes, then the slot answers CLUSTERDOWN until a replica takes over
 * (`cluster-node-timeout`, 15 s by default, plus the election). ioredis's defaults give up after
 * 16 tries 100 ms apart, shorter than any failover; these try for 30 s.
 */
const PATIENT_REDIRECTIONS = { maxRedirections: 120, retryDelayOnFailover: 250, retryDelayOnClusterDown: 250, retryDelayOnTryAgain: 250 } as const;

/**
 * Opens an ioredis client or Cluster for `url` (`redis://[user:password@]host:port[/db]`).
 * Both modes reconnect by themselves. Auto-pipelining stays off: the store's commands are Lua
 * scripts and SORT_RO, and with it a whole batch waits for its slowest reply while Node and Redis
 * take turns; `pnpm bench` measured writes about 1.5x and reads 1.2x faster without it.
 */
export function connectRedis(url: string, options: ConnectOptions): RedisConnection {
  const failFast = options.mode !== "patient";
  const perNode = {
    maxRetriesPerRequest: failFast ? 1 : null,
    ...(failFast ? { connectTimeout: 1_000 } : {}),
    ...(options.mode === "fail-fast" ? { commandTimeout: 1_000 } : {}),
  };
  // A blocking reader's own connection may queue its first command until it has connected.
  const offlineQueue = options.mode !== "fail-fast";
  const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1_000);
  if (options.sentinel) {
    const parsed = new URL(url);
    const { sentinels, name, sentinelUsername, sentinelPassword, tls } = options.sentinel;
    return new Redis({
      ...perNode,
      enableOfflineQueue: offlineQueue,
      retryStrategy,
      sentinels,
      name,
      ...(sentinelUsername ? { sentinelUsername } : {}),
      ...(sentinelPassword ? { sentinelPassword } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      sentinelRetryStrategy: retryStrategy,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
      ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
    });
  }
  if (!options.cluster) {
    return new Redis(url, { ...perNode, enableOfflineQueue: offlineQueue, retryStrategy });
  }
  const parsed = new URL(url);
  return new Cluster([{ host: parsed.hostname, port: Number(parsed.port || 6379) }], {
    enableOfflineQueue: offlineQueue,
    clusterRetryStrategy: retryStrategy,
    ...(failFast ? {} : PATIENT_REDIRECTIONS),
    redisOptions: {
      ...perNode,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    },
  });
}

/** The key layout a connection needs: `hash-tag` on a Cluster, `plain` otherwise. */
export function keyLayoutFor(redis: RedisConnection): KeyLayout {
  return redis.isCluster ? "hash-tag" : "plain";
}

const epochs = new WeakMap<RedisConnection, { value: number }>();

/**
 * How many times `redis` has (re)connected: read it before and after a series of commands to
 * learn whether they all went over one connection, to one server. `WAIT` counts the replicas
 * that have the writes of its own connection: after a reconnect (to a new master, after a
 * failover) it says nothing of the writes sent before.
 */
export function connectionEpoch(redis: RedisConnection): number {
  let epoch = epochs.get(redis);
  if (!epoch) {
    const counter = { value: 0 };
    epoch = counter;
    epochs.set(redis, counter);
    redis.on("ready", () => {
      counter.value += 1;
    });
  }
  return epoch.value;
}
