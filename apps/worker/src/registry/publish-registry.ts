import { createNodeRegistry, type KeyLayout, type RedisConnection } from "@wf/state-redis";
import type { Logger } from "pino";
import { z } from "zod";
import type { NodeDefinition } from "../nodes/define-node.js";

/**
 * JSON Schema of a node's input, or an open schema when zod cannot express it. Fields the node
 * can take from earlier stages (`fallbacks`) are optional: a request may leave them out.
 */
export function inputJsonSchema(node: NodeDefinition): Record<string, unknown> {
  let schema: Record<string, unknown>;
  try {
    schema = z.toJSONSchema(node.input, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  } catch {
    return {};
  }
  const withFallback = new Set(Object.keys(node.fallbacks ?? {}));
  if (withFallback.size > 0 && Array.isArray(schema["required"])) {
    schema["required"] = (schema["required"] as unknown[]).filter((field) => typeof field !== "string" || !withFallback.has(field));
  }
  return schema;
}

/** Per input field, the stages a node falls back to (what a pipeline orders it after). */
export function fallbackStagesOf(node: NodeDefinition): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(node.fallbacks ?? {}).map(([field, sources]) => [field, sources.map((source) => (typeof source === "string" ? source : source.stage))]),
  );
}

/** A running heartbeat of this worker's registrations. */
export interface RegistryHeartbeat {
  /** When the registrations were last published (ms since the epoch). */
  lastPublishedAt(): number | undefined;
  /** Stops the heartbeat and withdraws the registrations. */
  stop(): Promise<void>;
}

/**
 * Publishes the worker's nodes to the registry now and every `ttlSeconds / 3` after, so that
 * they expire within `ttlSeconds` of the worker dying.
 */
export async function startRegistryHeartbeat(options: {
  redis: RedisConnection;
  keyLayout: KeyLayout;
  workerId: string;
  nodes: readonly NodeDefinition[];
  ttlSeconds: number;
  logger: Logger;
}): Promise<RegistryHeartbeat> {
  const registry = createNodeRegistry({ redis: options.redis, keyLayout: options.keyLayout });
  const entries = options.nodes.map((node) => ({ name: node.name, inputSchema: inputJsonSchema(node), fallbacks: fallbackStagesOf(node) }));
  let lastPublishedAt: number | undefined;
  const publish = async () => {
    await registry.publish(options.workerId, entries, options.ttlSeconds);
    lastPublishedAt = Date.now();
  };
  await publish();
  const timer = setInterval(() => {
    publish().catch((error: unknown) => options.logger.warn({ err: error }, "registry heartbeat failed"));
  }, (options.ttlSeconds * 1000) / 3);
  timer.unref();
  return {
    lastPublishedAt: () => lastPublishedAt,
    async stop() {
      clearInterval(timer);
      await registry
        .withdraw(options.workerId, entries.map((entry) => entry.name))
        .catch((error: unknown) => options.logger.warn({ err: error }, "could not withdraw registrations"));
    },
  };
}
