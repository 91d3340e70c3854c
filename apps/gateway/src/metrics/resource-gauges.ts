import type { ResourceLeases, ResourceState } from "@wf/state-redis";
import { Gauge, type Registry } from "prom-client";

/** How long one read of the instances serves the gauges (one scrape reads them once, not three times). */
const READ_REUSE_MS = 500;

/**
 * Gauges of the shared resources (GPUs), read from Redis when `/metrics` is scraped:
 * `wf_resource_slots`, `wf_resource_holders` and `wf_resource_waiters` by instance.
 */
export function registerResourceGauges(registry: Registry, leases: ResourceLeases): void {
  let last: { at: number; states: Promise<ResourceState[]> } | undefined;
  const read = (): Promise<ResourceState[]> => {
    if (!last || Date.now() - last.at > READ_REUSE_MS) {
      last = { at: Date.now(), states: leases.instances().then((all) => Promise.all(all.map(({ instance }) => leases.inspect(instance)))).catch(() => []) };
    }
    return last.states;
  };
  const gauge = (name: string, help: string, value: (state: ResourceState) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["instance"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const state of await read()) this.set({ instance: state.instance }, value(state));
      },
    });
  gauge("wf_resource_slots", "Slots of each shared resource instance", (state) => state.slots ?? 0);
  gauge("wf_resource_holders", "Nodes holding a slot of each shared resource instance", (state) => state.holders.length);
  gauge("wf_resource_waiters", "Nodes waiting for a slot of each shared resource instance", (state) => state.waiters.length);
}
