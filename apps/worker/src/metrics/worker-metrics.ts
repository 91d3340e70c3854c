import { createServer, type Server, type ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { WorkerHealth } from "../health/worker-health.js";

/** The worker's Prometheus metrics, in a registry of their own. */
export interface WorkerMetrics {
  readonly registry: Registry;
  nodeStarted(node: string): void;
  nodeFinished(node: string, outcome: string, seconds: number): void;
  /** A stored node state was skipped because it is unreadable (wired as the store's `onCorruptNode`). */
  corruptNodeState(): void;
  /** A node waited `seconds` for a slot of a `kind` resource (and got it). */
  resourceWaited(kind: string, seconds: number): void;
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
  const resourceWait = new Histogram({
    name: "wf_resource_wait_seconds",
    help: "Time nodes waited for a slot of a shared resource (a GPU), by resource kind",
    labelNames: ["resource"] as const,
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  return {
    registry,
    corruptNodeState: () => corruptNodeStates.inc(),
    resourceWaited: (resource, seconds) => resourceWait.observe({ resource }, seconds),
    nodeStarted: (node) => active.inc({ node }),
    nodeFinished: (node, outcome, seconds) => {
      active.dec({ node });
      duration.observe({ node, outcome }, seconds);
    },
  };
}

/**
 * Serves the worker's HTTP endpoints on `port` (all other paths 404); resolves once listening:
 * `GET /metrics` (Prometheus), `GET /livez` (the process answers: 200) and, when `health` is
 * given, `GET /healthz` (its result; 200 when healthy, else 503).
 */
export async function serveMetrics(
  registry: Registry,
  port: number,
  host = "127.0.0.1",
  health?: () => Promise<WorkerHealth>,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(404).end();
    } else if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (path === "/livez") {
      sendJson(res, 200, { status: "alive" });
    } else if (path === "/healthz" && health) {
      health().then(
        (result) => sendJson(res, result.status === "healthy" ? 200 : 503, result),
        () => sendJson(res, 503, { status: "unhealthy" }),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
