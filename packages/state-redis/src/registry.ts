import { parseTaskName } from "@wf/context";
import { defineStoreCommands } from "./commands/index.js";
import { StoreConfigError, guarded } from "./errors.js";
import { createKeySpace, type KeyLayout } from "./keys.js";
import type { RedisConnection } from "./types.js";

/** What a worker publishes about a node it runs. */
export interface NodeRegistration {
  /** `<service>.<function>`. */
  name: string;
  /** JSON Schema of the node's `input_data` (e.g. from zod's `z.toJSONSchema`). */
  inputSchema: Record<string, unknown>;
  /** Free-form description for `supported-tasks`. */
  description?: string;
  /**
   * Per input field, the stages the node takes it from when a request leaves it out (its
   * fallbacks): a pipeline orders the node after those that are coming.
   */
  fallbacks?: Readonly<Record<string, readonly string[]>>;
}

/** A node that at least one live worker runs. */
export interface RegisteredNode {
  name: string;
  inputSchema: Record<string, unknown>;
  description?: string;
  /** Per input field, the stages it falls back to (see {@link NodeRegistration.fallbacks}); `{}` when none. */
  fallbacks: Record<string, string[]>;
  /** Ids of the live workers that run it. */
  workers: string[];
}

/** The registry of nodes that workers run, with heartbeats that expire. */
export interface NodeRegistry {
  /** Publishes or refreshes `workerId`'s registrations for `ttlSeconds`. Call it again before they expire. */
  publish(workerId: string, nodes: readonly NodeRegistration[], ttlSeconds: number): Promise<void>;
  /** Removes `workerId`'s registrations at once (clean shutdown). */
  withdraw(workerId: string, names: readonly string[]): Promise<void>;
  /** Nodes registered by at least one live worker, sorted by name. */
  list(): Promise<RegisteredNode[]>;
}

/** Options of {@link createNodeRegistry}. */
export interface NodeRegistryOptions {
  redis: RedisConnection;
  /** Must match the state store's layout; `hash-tag` on a Redis Cluster. */
  keyLayout?: KeyLayout;
  /** Clock, for tests. */
  now?: () => number;
}

/** The fallbacks a description names, keeping only well-formed entries. */
function fallbacksOf(value: unknown): Record<string, string[]> {
  if (value === null || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value).flatMap(([field, stages]) =>
      Array.isArray(stages) ? [[field, stages.filter((stage): stage is string => typeof stage === "string")]] : [],
    ),
  );
}

const WORKER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Creates the node registry kept in Redis next to the task state. */
export function createNodeRegistry(options: NodeRegistryOptions): NodeRegistry {
  const { redis } = options;
  const keys = createKeySpace(options.keyLayout ?? "plain");
  const now = options.now ?? Date.now;
  if (redis.isCluster && keys.layout !== "hash-tag") {
    throw new StoreConfigError('a Redis Cluster needs keyLayout "hash-tag"');
  }
  const commands = defineStoreCommands(redis);
  const checkWorkerId = (workerId: string): void => {
    if (!WORKER_ID.test(workerId)) throw new StoreConfigError(`invalid worker id ${JSON.stringify(workerId)}`);
  };

  return {
    async publish(workerId, nodes, ttlSeconds) {
      checkWorkerId(workerId);
      const pairs = nodes.flatMap((node) => {
        parseTaskName(node.name);
        return [node.name, JSON.stringify({ input_schema: node.inputSchema, description: node.description ?? null, fallbacks: node.fallbacks ?? {} })];
      });
      const at = now();
      await guarded(
        commands.publishNodes(keys.registryHeartbeats, keys.registryNodes, at, at + ttlSeconds * 1000, workerId, pairs),
        "registry publish",
      );
    },
    async withdraw(workerId, names) {
      checkWorkerId(workerId);
      if (names.length > 0) await guarded(commands.withdrawNodes(keys.registryHeartbeats, workerId, [...names]), "registry withdraw");
    },
    async list() {
      const flat = await guarded(commands.listNodes(keys.registryHeartbeats, keys.registryNodes, now()), "registry list");
      const byName = new Map<string, RegisteredNode>();
      for (let i = 0; i + 2 < flat.length; i += 3) {
        const name = flat[i] as string;
        const entry = byName.get(name);
        if (entry) {
          entry.workers.push(flat[i + 1] as string);
          continue;
        }
        let described: { input_schema?: Record<string, unknown>; description?: string | null; fallbacks?: unknown } = {};
        try {
          described = JSON.parse(flat[i + 2] as string) as typeof described;
        } catch {
          // A description that does not parse still lists the node, with an open schema.
        }
        byName.set(name, {
          name,
          inputSchema: described.input_schema ?? {},
          ...(described.description ? { description: described.description } : {}),
          fallbacks: fallbacksOf(described.fallbacks),
          workers: [flat[i + 1] as string],
        });
      }
      return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}
