import type { RedisConnection } from "@wf/state-redis";

/** What `GET /healthz` of a worker answers (the body; 200 when healthy, else 503). */
export interface WorkerHealth {
  status: "healthy" | "unhealthy";
  /** Redis answered a PING within the check's time limit. */
  redis: "up" | "down";
  /** Milliseconds since the worker last published its nodes to the registry; null before the first. */
  heartbeat_age_ms: number | null;
  /** The queues this worker consumes. */
  queues: string[];
}

/** How long a health check waits for Redis before it calls it down. */
const PING_TIMEOUT_MS = 1_000;

async function redisAnswers(redis: RedisConnection): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([redis.ping().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks a worker: healthy when Redis answers and its registry heartbeat is younger than the
 * registrations' lifetime (past that, the gateway no longer sees its nodes).
 */
export async function checkWorkerHealth(options: {
  redis: RedisConnection;
  queues: readonly string[];
  lastHeartbeatAt: () => number | undefined;
  heartbeatTtlMs: number;
}): Promise<WorkerHealth> {
  const redis = (await redisAnswers(options.redis)) ? "up" : "down";
  const last = options.lastHeartbeatAt();
  const age = last === undefined ? null : Math.max(0, Date.now() - last);
  const fresh = age !== null && age < options.heartbeatTtlMs;
  return { status: redis === "up" && fresh ? "healthy" : "unhealthy", redis, heartbeat_age_ms: age, queues: [...options.queues] };
}
