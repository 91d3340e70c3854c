import { randomUUID } from "node:crypto";
import { WfError } from "@wf/context";
import { DECLARATION_TTL_MS, createResourceLeases, isTransientStoreError, type KeyLayout, type RedisConnection, type ResourceLeases } from "@wf/state-redis";
import type { Logger } from "pino";
import type { ResourceInstanceConfig } from "./resource-config.js";

/** A node waited longer than its limit for a free slot. Code `RESOURCE_TIMEOUT`. */
export class ResourceTimeoutError extends WfError {
  constructor(message: string) {
    super("RESOURCE_TIMEOUT", message);
  }
}

/** Slots a node holds: aborted (`lost`) when a lease could not be kept; free them with `release`. */
export interface HeldResources {
  /** The instances held, e.g. `["host-1/gpu:0"]`. */
  instances: string[];
  /** When the node joined the first queue (ms since the epoch, this machine's clock). */
  queuedAt: number;
  /** How long it waited, ms. */
  waitedMs: number;
  /** Aborted when a lease is lost (it ran out while the process was frozen or Redis was unreachable, or an admin released it). */
  lost: AbortSignal;
  /** Frees every slot (compare-and-delete by token); safe to call twice. */
  release(): Promise<void>;
}

/** What a node asks the broker for. */
export interface HoldRequest {
  taskId: string;
  taskName: string;
  /** Give up (with {@link ResourceTimeoutError}) after waiting this long. */
  maxWaitMs: number;
  /** Stops waiting (cancellation). */
  signal: AbortSignal;
  /** Called once when the node has to wait for `kind`, with its place in the queue. */
  onWaiting?: (kind: string, position: number) => void | Promise<void>;
}

/** Hands out slots of the machine's resource instances to the nodes a worker runs. */
export interface ResourceBroker {
  /** Whether this machine has an instance of `kind`. */
  has(kind: string): boolean;
  /** Waits in arrival order for one slot of each kind (taken in name order, so two nodes never deadlock). */
  hold(kinds: readonly string[], request: HoldRequest): Promise<HeldResources>;
  /** Unsubscribes; held slots are released by their holders. */
  close(): Promise<void>;
}

/** Options of {@link createResourceBroker}. */
export interface ResourceBrokerOptions {
  redis: RedisConnection;
  keyLayout?: KeyLayout;
  /** What machine the instances belong to (`WF_RESOURCE_SCOPE`, default the host name): processes with the same scope share them. */
  scope: string;
  instances: readonly ResourceInstanceConfig[];
  /** How long a lease lasts without renewal (renewed every third of it). */
  leaseMs: number;
  workerId: string;
  logger: Logger;
  /** Called with each wait that ended with a slot, in seconds (metrics). */
  onWaited?: (kind: string, seconds: number) => void;
}

/** Longest a waiter sleeps between attempts when no slot is announced (a lost message, an expiring holder). */
const POLL_MS = 1_000;
/** A waiter that has not asked again for this long loses its place (it died). */
const WAITER_TTL_MS = 5 * POLL_MS;
/** How often a holder checks that its lease is still fresh on its own clock. */
const LOCAL_CHECK_MS = 50;

/** Starts a broker: one subscriber connection wakes the waiters when a slot frees. */
export async function createResourceBroker(options: ResourceBrokerOptions): Promise<ResourceBroker> {
  const leases: ResourceLeases = createResourceLeases({ redis: options.redis, ...(options.keyLayout ? { keyLayout: options.keyLayout } : {}) });
  const instances = options.instances.map((config) => ({ ...config, instance: `${options.scope}/${config.name}` }));
  const subscriber = (options.redis as unknown as { duplicate(): RedisConnection }).duplicate();
  subscriber.on("error", () => undefined);
  const wakers = new Map<string, Set<() => void>>();
  subscriber.on("message", (channel: string) => {
    for (const wake of wakers.get(channel) ?? []) wake();
  });
  if (instances.length > 0) await subscriber.subscribe(...instances.map(({ instance }) => leases.channel(instance)));
  const declare = () => Promise.all(instances.map(({ instance, slots }) => leases.declare(instance, slots)));
  await declare();
  // Listed by the monitoring routes while some worker of the machine lives.
  const declaring = setInterval(() => void declare().catch(() => undefined), DECLARATION_TTL_MS / 4);
  declaring.unref();

  async function holdOne(kind: string, token: string, request: HoldRequest, announced: { done: boolean }) {
    const candidates = instances.filter((candidate) => candidate.kind === kind);
    const info = { task_id: request.taskId, task_name: request.taskName, worker: options.workerId, since: new Date().toISOString() };
    const startedAt = Date.now();
    let woken = false;
    let storeAway = false;
    let wake: () => void = () => (woken = true);
    const onMessage = () => wake();
    const channels = candidates.map(({ instance }) => leases.channel(instance));
    for (const channel of channels) (wakers.get(channel) ?? wakers.set(channel, new Set()).get(channel))?.add(onMessage);
    try {
      for (;;) {
        if (request.signal.aborted) throw request.signal.reason;
        woken = false;
        let soonest = POLL_MS;
        let position = Number.POSITIVE_INFINITY;
        for (const candidate of candidates) {
          const result = await leases.acquire(candidate.instance, token, { slots: candidate.slots, leaseMs: options.leaseMs, waiterTtlMs: WAITER_TTL_MS, info }).catch((error: unknown) => {
            // Redis failing over, restarting or full: keep waiting (the token takes its place
            // again when Redis is back; a slot taken by an unanswered try is found held then).
            if (!isTransientStoreError(error)) throw error;
            if (!storeAway) options.logger.warn({ err: error, taskId: request.taskId, instance: candidate.instance }, "redis is away while waiting for a resource; still waiting");
            storeAway = true;
            return undefined;
          });
          if (!result) continue;
          storeAway = false;
          if (result.acquired) {
            // Give up the places taken in the other instances' queues.
            // Places not given up (Redis away) lapse by themselves after WAITER_TTL_MS.
            await Promise.all(candidates.filter((other) => other !== candidate).map((other) => leases.release(other.instance, token).catch(() => false)));
            const waitedMs = Date.now() - startedAt;
            options.onWaited?.(kind, waitedMs / 1000);
            // Counters for the monitoring routes: not waited for, they cost the node no round trip.
            void leases.count(candidate.instance, { acquired: 1, waited_ms: waitedMs }).catch(() => undefined);
            return { instance: candidate.instance, waitedMs };
          }
          position = Math.min(position, result.position);
          if (result.nextExpiryMs > 0) soonest = Math.min(soonest, Math.max(1, result.nextExpiryMs - result.nowMs + 2));
        }
        if (!announced.done && Number.isFinite(position)) {
          announced.done = true;
          await request.onWaiting?.(kind, position);
        }
        const left = startedAt + request.maxWaitMs - Date.now();
        if (left <= 0) {
          await Promise.all(candidates.map((candidate) => leases.count(candidate.instance, { timeouts: 1 }).catch(() => undefined)));
          throw new ResourceTimeoutError(`RESOURCE_TIMEOUT: no ${kind} slot came free within ${Math.round(request.maxWaitMs / 100) / 10} s (${candidates.map((c) => c.instance).join(", ")})`);
        }
        if (woken) continue;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            request.signal.removeEventListener("abort", done);
            wake = () => (woken = true);
            resolve();
          };
          const timer = setTimeout(done, Math.min(soonest, left));
          wake = done;
          request.signal.addEventListener("abort", done, { once: true });
        });
      }
    } catch (error) {
      // Cancelled, timed out or Redis failed: leave every queue this token joined.
      await Promise.all(candidates.map((candidate) => leases.release(candidate.instance, token).catch(() => false)));
      throw error;
    } finally {
      for (const channel of channels) wakers.get(channel)?.delete(onMessage);
    }
  }

  return {
    has: (kind) => instances.some((instance) => instance.kind === kind),
    async hold(kinds, request) {
      const token = `${options.workerId}:${randomUUID()}`;
      const queuedAt = Date.now();
      const held: { instance: string }[] = [];
      const lost = new AbortController();
      let lastRenewed = performance.now();
      let released = false;
      const lose = (reason: string) => {
        if (lost.signal.aborted || released) return;
        options.logger.warn({ taskId: request.taskId, node: request.taskName, instances: held.map((h) => h.instance), reason }, "lost a resource lease; stopping the node");
        for (const { instance } of held) void leases.count(instance, { lost: 1 }).catch(() => undefined);
        lost.abort(new Error(reason));
      };
      const release = async () => {
        if (released) return;
        released = true;
        clearInterval(renewTimer);
        clearInterval(checkTimer);
        const heldMs = Date.now() - queuedAt - waitedMs;
        await Promise.all(
          held.map(async ({ instance }) => {
            await leases.release(instance, token).catch((error: unknown) => options.logger.warn({ err: error, instance }, "could not release a resource lease; it frees itself when it expires"));
            void leases.count(instance, { held_ms: heldMs }).catch(() => undefined);
          }),
        );
      };
      let waitedMs = 0;
      const renewTimer = setInterval(() => {
        void Promise.all(held.map(({ instance }) => leases.renew(instance, token, options.leaseMs))).then(
          (renewed) => {
            const gone = held.filter((_h, i) => !renewed[i]);
            if (gone.length > 0) lose(`lost its lease on ${gone.map((h) => h.instance).join(", ")} (it ran out, or an admin released it)`);
            else lastRenewed = performance.now();
          },
          () => undefined, // Redis unreachable: the local check below decides
        );
      }, Math.max(10, Math.floor(options.leaseMs / 3)));
      // A frozen process (SIGSTOP) or a Redis out of reach: once the lease may have run out, stop
      // at once, on this machine's clock, before another holder can have started.
      const checkTimer = setInterval(() => {
        if (held.length > 0 && performance.now() - lastRenewed > options.leaseMs) lose(`its lease on ${held.map((h) => h.instance).join(", ")} ran out without renewal (Redis unreachable, or the process was frozen)`);
      }, LOCAL_CHECK_MS);
      renewTimer.unref();
      checkTimer.unref();
      try {
        const announced = { done: false };
        for (const kind of [...new Set(kinds)].sort()) {
          const one = await holdOne(kind, token, request, announced);
          held.push({ instance: one.instance });
          lastRenewed = performance.now();
        }
      } catch (error) {
        await release();
        throw error;
      }
      waitedMs = Date.now() - queuedAt;
      return { instances: held.map((h) => h.instance), queuedAt, waitedMs, lost: lost.signal, release };
    },
    async close() {
      clearInterval(declaring);
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
