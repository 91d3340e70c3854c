import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The worker's Prometheus metrics, in a registry of their own. */
export interface WorkerMetrics {
  readonly registry: Registry;
  nodeStarted(node: string): void;
  nodeFinished(node: string, outcome: string, seconds: number): void;
  /** A stored node state was skipped because it is unreadable (wired as the store's `onCorruptNode`). */
  corruptNodeState(): void;
}

/** Creates the worker's metrics; `defaults` adds the process metrics (CPU, memory, event loop). */
export function createWorkerMetrics(options: { defaults?: boolean } = {}): WorkerMetrics {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: "wf_node_duration_seconds",
    help: "Node run time, by node and outcome",
    labelNames: ["node", "outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const active = new Gauge({
    name: "wf_active_jobs",
    help: "Node jobs running now, by node",
    labelNames: ["node"] as const,
    registers: [registry],
  });
  const corruptNodeStates = new Counter({
    name: "wf_corrupt_node_states_total",
    help: "Stored node states skipped on read because they are not a valid WorkflowContext (or not a string)",
    registers: [registry],
  });
  return {
    registry,
    corruptNodeState: () => corruptNodeStates.inc(),
    nodeStarted: (node) => active.inc({ node }),
    nodeFinished: (node, outcome, seconds) => {
      active.dec({ node });
      duration.observe({ node, outcome }, seconds);
    },
  };
}

/** Serves `GET /metrics` on `port` (all other paths 404); resolves once listening. */
export async function serveMetrics(registry: Registry, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}
