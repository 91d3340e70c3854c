import { z } from "zod";

/** `host:port`, as a sentinel is named in `REDIS_SENTINELS`. */
const sentinelAddress = z.string().regex(/^[^\s:,]+:\d{1,5}$/, "a sentinel is host:port");

/**
 * The Redis settings both apps read besides `REDIS_URL`: Sentinel (the apps find the master
 * through the sentinels and follow a failover by themselves) and acknowledged writes (`WAIT`).
 */
export const RedisEnvSchema = z.object({
  /** Comma-separated `host:port` of the sentinels; set, the apps ask them for the master (REDIS_URL's host is not used, its password, user, db and `rediss:` are). */
  REDIS_SENTINELS: z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === "") return undefined;
      const sentinels = value.split(",").map((entry) => entry.trim()).filter(Boolean);
      for (const entry of sentinels) {
        if (!sentinelAddress.safeParse(entry).success) {
          context.addIssue({ code: "custom", message: `REDIS_SENTINELS: ${JSON.stringify(entry)} is not host:port` });
          return z.NEVER;
        }
      }
      return sentinels.map((entry) => {
        const at = entry.lastIndexOf(":");
        return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
      });
    }),
  /** The master group the sentinels monitor. */
  REDIS_SENTINEL_MASTER: z.string().min(1).default("mymaster"),
  REDIS_SENTINEL_USERNAME: z.string().min(1).optional(),
  /** The sentinels' own password (`requirepass` of sentinel.conf); Redis's is REDIS_URL's. */
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  /** Speak TLS to the sentinels (to Redis itself: a `rediss://` REDIS_URL). */
  REDIS_SENTINEL_TLS: z.stringbool().default(false),
  /**
   * Replicas a write must reach before it counts (`WAIT`): the gateway answers a create, retry,
   * cancel or delete, and a worker ends a node, only once its writes reached this many. 0: off.
   */
  WF_REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
  /** Longest a write waits for its replicas; past it the gateway answers 503 `STORE_NOT_REPLICATED`. */
  WF_REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
});

/** Validated Redis settings (see {@link RedisEnvSchema}). */
export type RedisEnv = z.output<typeof RedisEnvSchema>;

/** Where the sentinels are and what they monitor, as `connectRedis` of `@wf/state-redis` takes it. */
export interface SentinelSettings {
  sentinels: { host: string; port: number }[];
  name: string;
  sentinelUsername?: string | undefined;
  sentinelPassword?: string | undefined;
  tls: boolean;
}

/** The Sentinel settings of a validated environment, or `undefined` without `REDIS_SENTINELS`. */
export function sentinelSettingsOf(env: RedisEnv): SentinelSettings | undefined {
  if (!env.REDIS_SENTINELS) return undefined;
  return {
    sentinels: env.REDIS_SENTINELS,
    name: env.REDIS_SENTINEL_MASTER,
    sentinelUsername: env.REDIS_SENTINEL_USERNAME,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
    tls: env.REDIS_SENTINEL_TLS,
  };
}

/**
 * Why these settings cannot run on a Redis Cluster (`WF_REDIS_CLUSTER`), or `undefined` when they
 * can: a Cluster fails over by itself (no Sentinel), and `WAIT` would reach one random node.
 */
export function clusterConflictOf(env: RedisEnv, cluster: boolean): string | undefined {
  if (!cluster || (!env.REDIS_SENTINELS && env.WF_REDIS_WAIT_REPLICAS === 0)) return undefined;
  return "WF_REDIS_CLUSTER cannot be combined with REDIS_SENTINELS or WF_REDIS_WAIT_REPLICAS (a Cluster fails over by itself; WAIT would reach one random node)";
}
