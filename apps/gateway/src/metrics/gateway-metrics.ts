import type { CallbackStatus } from "@wf/protocol";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The gateway's Prometheus metrics, in a registry of their own (served at `/metrics`). */
export interface GatewayMetrics {
  readonly registry: Registry;
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
  taskCreated(taskName: string): void;
  callbackFinished(outcome: CallbackStatus): void;
  redisError(): void;
  /** A stored node state was skipped because it is unreadable (wire as the store's `onCorruptNode`). */
  corruptNodeState(): void;
  /** The reconciler failed a node whose job was gone or had failed. */
  nodeReconciled(taskName: string): void;
}

/** Creates the gateway's metrics; `defaults` adds the process metrics (CPU, memory, event loop). */
export function createGatewayMetrics(options: { defaults?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: "wf_http_request_duration_seconds",
    help: "HTTP request latency by route",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const created = new Counter({
    name: "wf_tasks_created_total",
    help: "Node runs queued, by node",
    labelNames: ["task_name"] as const,
    registers: [registry],
  });
  const callbacks = new Counter({
    name: "wf_callbacks_total",
    help: "Callbacks finished, by outcome",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const redisErrors = new Counter({
    name: "wf_redis_errors_total",
    help: "Requests that failed because Redis was unreachable, and connection errors",
    registers: [registry],
  });
  const corruptNodeStates = new Counter({
    name: "wf_corrupt_node_states_total",
    help: "Stored node states skipped on read because they are not a valid WorkflowContext (or not a string)",
    registers: [registry],
  });
  const reconciled = new Counter({
    name: "wf_nodes_reconciled_total",
    help: "Pending or running nodes the reconciler marked FAILED because their job was gone or had failed, by node",
    labelNames: ["task_name"] as const,
    registers: [registry],
  });
  return {
    registry,
    nodeReconciled: (taskName) => reconciled.inc({ task_name: taskName }),
    observeRequest: (method, route, statusCode, seconds) => requests.observe({ method, route, status_code: String(statusCode) }, seconds),
    taskCreated: (taskName) => created.inc({ task_name: taskName }),
    callbackFinished: (outcome) => callbacks.inc({ outcome }),
    redisError: () => redisErrors.inc(),
    corruptNodeState: () => corruptNodeStates.inc(),
  };
}
