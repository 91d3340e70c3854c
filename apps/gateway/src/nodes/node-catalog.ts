import { formatIssues, type InputPath } from "@wf/context";
import type { NodeRegistry, RegisteredNode } from "@wf/state-redis";
import { z } from "zod";

/** A node the gateway accepts, with a validator for its `input_data`. */
export interface CatalogNode {
  name: string;
  description?: string;
  workers: number;
  /** Per input field, the stages the node takes it from when a request leaves it out. */
  fallbacks: Readonly<Record<string, readonly string[]>>;
  /** JSON Schema of `input_data`, as the node's workers published it. */
  inputSchema: Record<string, unknown>;
  /**
   * `[]` when the input is valid, else `path: message` issues. Values at `placeholderPaths` are
   * `${{ stages… }}` placeholders, resolved only when the node runs: any value is accepted there.
   */
  validate(input: unknown, placeholderPaths?: readonly InputPath[]): string[];
}

/** The nodes that workers have registered, as the gateway sees them. */
export interface NodeCatalog {
  list(): Promise<CatalogNode[]>;
  get(name: string): Promise<CatalogNode | undefined>;
}

const pathKey = (path: readonly PropertyKey[]): string => JSON.stringify(path.map(String));

function toCatalogNode(node: RegisteredNode): CatalogNode {
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(node.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    schema = z.record(z.string(), z.unknown());
  }
  return {
    name: node.name,
    ...(node.description ? { description: node.description } : {}),
    workers: node.workers.length,
    fallbacks: node.fallbacks,
    inputSchema: node.inputSchema as Record<string, unknown>,
    validate(input, placeholderPaths = []) {
      const parsed = schema.safeParse(input);
      if (parsed.success) return [];
      const placeholders = new Set(placeholderPaths.map(pathKey));
      const issues = parsed.error.issues.filter((issue) => !placeholders.has(pathKey(issue.path)));
      return issues.length === 0 ? [] : formatIssues(new z.ZodError(issues));
    },
  };
}

/**
 * The catalog read from the worker registry, cached for `cacheMs` so that a burst of requests
 * costs one registry read; validators are rebuilt only when a node's schema changes.
 */
export function createRegistryCatalog(registry: NodeRegistry, cacheMs = 1_000): NodeCatalog {
  let cached: { at: number; nodes: Promise<CatalogNode[]> } | undefined;
  const compiled = new Map<string, { schema: string; node: CatalogNode }>();

  const load = async (): Promise<CatalogNode[]> =>
    (await registry.list()).map((registered) => {
      const schema = JSON.stringify([registered.inputSchema, registered.fallbacks]);
      const known = compiled.get(registered.name);
      if (known && known.schema === schema && known.node.workers === registered.workers.length) return known.node;
      const node = toCatalogNode(registered);
      compiled.set(registered.name, { schema, node });
      return node;
    });

  const list = (): Promise<CatalogNode[]> => {
    const now = Date.now();
    if (!cached || now - cached.at > cacheMs) {
      const nodes = load();
      cached = { at: now, nodes };
      nodes.catch(() => {
        if (cached?.nodes === nodes) cached = undefined;
      });
    }
    return cached.nodes;
  };
  return {
    list,
    async get(name) {
      return (await list()).find((node) => node.name === name);
    },
  };
}
