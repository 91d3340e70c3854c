import { defineStoreCommands } from "./commands/index.js";
import { guarded } from "./errors.js";
import { createKeySpace, type KeyLayout } from "./keys.js";
import type { RedisConnection } from "./types.js";

/** Who holds or waits for a slot: shown by the monitoring routes. */
export interface ResourceHolderInfo {
  task_id: string;
  task_name: string;
  worker: string;
  /** When it took the slot (a holder) or joined the queue (a waiter), ISO 8601. */
  since: string;
}

/** What {@link ResourceLeases.acquire} answers. */
export interface AcquireResult {
  acquired: boolean;
  /** Place in the queue (0: next). */
  position: number;
  /** Redis's clock, ms. */
  nowMs: number;
  /** When the earliest current lease ends (Redis's clock, ms); 0 when none. */
  nextExpiryMs: number;
}

/** One instance as the monitoring routes show it. */
export interface ResourceState {
  instance: string;
  slots: number | null;
  holders: (ResourceHolderInfo & { token: string; expires_at: string })[];
  /** In arrival order. */
  waiters: (ResourceHolderInfo & { token: string; position: number })[];
  stats: { acquired: number; timeouts: number; lost: number; held_ms: number; waited_ms: number };
}

/**
 * Leases on shared resource instances (`<scope>/<name>`, e.g. one GPU of one machine) with a fixed
 * number of slots: a holder takes a slot with a unique token and an expiry, renews it while it
 * runs, and frees it by compare-and-delete; waiters queue in arrival order. Time is Redis's own.
 */
export interface ResourceLeases {
  /** Takes a slot for `token`, or (re)joins the queue and keeps its place for `waiterTtlMs`. */
  acquire(instance: string, token: string, options: { slots: number; leaseMs: number; waiterTtlMs: number; info: ResourceHolderInfo }): Promise<AcquireResult>;
  /** Renews a live lease; `false` when the token lost it (expired, or released by an admin). */
  renew(instance: string, token: string, leaseMs: number): Promise<boolean>;
  /** Frees the token's slot or queue place (only the token's); `true` when it held a slot. Wakes the waiters. */
  release(instance: string, token: string): Promise<boolean>;
  /** The channel announcing freed slots of an instance (subscribe to wake waiters). */
  channel(instance: string): string;
  /** Records an instance a worker has, for the monitoring routes; repeat it well within {@link DECLARATION_TTL_MS}. */
  declare(instance: string, slots: number): Promise<void>;
  /** Adds to an instance's counters. */
  count(instance: string, counts: Partial<Record<keyof ResourceState["stats"], number>>): Promise<void>;
  /** Every instance declared within {@link DECLARATION_TTL_MS} (sorted); older declarations are dropped (their machine is gone). */
  instances(): Promise<{ instance: string; slots: number }[]>;
  /** Holders, waiters and counters of one instance. */
  inspect(instance: string): Promise<ResourceState>;
}

/** How long an instance stays listed after its workers last declared it. */
export const DECLARATION_TTL_MS = 60_000;

function parseInfo(raw: string | undefined): ResourceHolderInfo {
  try {
    const parsed = JSON.parse(raw ?? "{}") as Partial<ResourceHolderInfo>;
    return { task_id: String(parsed.task_id ?? ""), task_name: String(parsed.task_name ?? ""), worker: String(parsed.worker ?? ""), since: String(parsed.since ?? "") };
  } catch {
    return { task_id: "", task_name: "", worker: "", since: "" };
  }
}

/** Creates the resource leases on `redis` (the key layout must match the store's). */
export function createResourceLeases(options: { redis: RedisConnection; keyLayout?: KeyLayout }): ResourceLeases {
  const { redis } = options;
  const keys = createKeySpace(options.keyLayout ?? "plain");
  const commands = defineStoreCommands(redis);
  const stateKeys = (instance: string) => {
    const k = keys.resourceKeys(instance);
    return [k.holders, k.info, k.queue, k.waiters] as const;
  };
  return {
    async acquire(instance, token, { slots, leaseMs, waiterTtlMs, info }) {
      const k = keys.resourceKeys(instance);
      const [acquired, position, nowMs, nextExpiryMs] = await guarded(
        commands.acquireResource([k.holders, k.info, k.queue, k.waiters, k.sequence], token, slots, leaseMs, waiterTtlMs, JSON.stringify(info)),
        "write",
      );
      return { acquired: acquired === 1, position: position ?? 0, nowMs: nowMs ?? Date.now(), nextExpiryMs: nextExpiryMs ?? 0 };
    },
    async renew(instance, token, leaseMs) {
      return (await guarded(commands.renewResource(keys.resourceKeys(instance).holders, token, leaseMs), "write")) === 1;
    },
    async release(instance, token) {
      return (await guarded(commands.releaseResource(stateKeys(instance), token, keys.resourceKeys(instance).channel), "write")) === 1;
    },
    channel: (instance) => keys.resourceKeys(instance).channel,
    async declare(instance, slots) {
      keys.resourceKeys(instance);
      await guarded(redis.hset(keys.resourceInstances, instance, JSON.stringify({ slots, updated_at: Date.now() })), "write");
    },
    async count(instance, counts) {
      const entries = Object.entries(counts).filter(([, value]) => value);
      if (entries.length === 0) return;
      await guarded(Promise.all(entries.map(([name, value]) => redis.hincrby(keys.resourceStats, `${instance} ${name}`, Math.round(value ?? 0)))), "write");
    },
    async instances() {
      const all = await guarded(redis.hgetall(keys.resourceInstances), "read");
      const parsed = Object.entries(all).map(([instance, raw]) => {
        const entry = JSON.parse(raw) as { slots?: number; updated_at?: number };
        return { instance, slots: Number(entry.slots ?? 1), updatedAt: Number(entry.updated_at ?? 0) };
      });
      const stale = parsed.filter((entry) => Date.now() - entry.updatedAt > DECLARATION_TTL_MS).map((entry) => entry.instance);
      if (stale.length > 0) await guarded(redis.hdel(keys.resourceInstances, ...stale), "write").catch(() => 0);
      return parsed
        .filter((entry) => !stale.includes(entry.instance))
        .map(({ instance, slots }) => ({ instance, slots }))
        .sort((a, b) => a.instance.localeCompare(b.instance));
    },
    async inspect(instance) {
      const k = keys.resourceKeys(instance);
      const [holders, queue, info, declared, stats] = await guarded(
        Promise.all([
          redis.zrange(k.holders, "0", "-1", "WITHSCORES"),
          redis.zrange(k.queue, "0", "-1"),
          redis.hgetall(k.info),
          redis.hget(keys.resourceInstances, instance),
          redis.hmget(keys.resourceStats, ...["acquired", "timeouts", "lost", "held_ms", "waited_ms"].map((name) => `${instance} ${name}`)),
        ]),
        "read",
      );
      const holderList: ResourceState["holders"] = [];
      for (let i = 0; i < holders.length; i += 2) {
        const token = holders[i] ?? "";
        holderList.push({ token, ...parseInfo(info[token]), expires_at: new Date(Number(holders[i + 1])).toISOString() });
      }
      const [acquired, timeouts, lost, heldMs, waitedMs] = stats.map((value) => Number(value ?? 0));
      return {
        instance,
        slots: declared ? Number((JSON.parse(declared) as { slots?: number }).slots ?? 1) : null,
        holders: holderList,
        waiters: queue.map((token, position) => ({ token, position, ...parseInfo(info[`w:${token}`]) })),
        stats: { acquired: acquired ?? 0, timeouts: timeouts ?? 0, lost: lost ?? 0, held_ms: heldMs ?? 0, waited_ms: waitedMs ?? 0 },
      };
    },
  };
}
