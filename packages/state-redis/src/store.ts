import { StageStatusSchema, assertTaskId, type WorkflowContext } from "@wf/context";
import { aggregateNodeViews } from "./aggregate.js";
import { decodeContext, encodeContext } from "./codec.js";
import { defineStoreCommands } from "./commands/index.js";
import { StoreConfigError, toStoreError } from "./errors.js";
import { createKeySpace } from "./keys.js";
import { buildNodeView } from "./node-view.js";
import { getExisting, scanKeys } from "./scan.js";
import type { StateStore, StateStoreOptions, WriteOptions, WriteResult } from "./types.js";

/** Default TTL of node keys: one day. */
export const DEFAULT_TTL_SECONDS = 86_400;

/**
 * Creates the per-node state store over an ioredis client or Cluster.
 *
 * @example
 * const store = createStateStore({ redis: new Redis(), ttlSeconds: 86400 });
 * await store.createWorkflowState(context);
 * const task = await store.getWorkflowState("task-1");
 */
export function createStateStore(options: StateStoreOptions): StateStore {
  const { redis, logger, onCorruptNode } = options;
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const readStrategy = options.readStrategy ?? "index";
  const scanCount = options.scanCount ?? 1000;
  const now = options.now ?? (() => new Date());
  const keys = createKeySpace(options.keyLayout ?? "plain");

  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new StoreConfigError(`ttlSeconds must be a positive integer, got ${String(ttlSeconds)}`);
  }
  if (redis.isCluster && keys.layout !== "hash-tag") {
    throw new StoreConfigError('a Redis Cluster needs keyLayout "hash-tag" so that all keys of a task share a slot');
  }
  const commands = defineStoreCommands(redis);

  async function guarded<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  function decodeViews(taskId: string, pairs: readonly string[]): WorkflowContext[] {
    const views: WorkflowContext[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const key = pairs[i] as string;
      const decoded = decodeContext(pairs[i + 1] as string);
      if (decoded.ok) {
        views.push(decoded.context);
      } else {
        logger?.warn({ taskId, key, reason: decoded.reason }, "skipping corrupt node state");
        onCorruptNode?.({ taskId, key, reason: decoded.reason });
      }
    }
    return views;
  }

  async function write(context: object, newAttempt: boolean): Promise<WriteResult> {
    const view = buildNodeView(context, now());
    const key = keys.nodeKey(view.taskId, view.taskName);
    const [applied, storedStatus] = await guarded("write", () =>
      commands.writeNode(
        key,
        keys.indexKey(view.taskId),
        encodeContext(view.context),
        ttlSeconds,
        view.taskName,
        view.stageStatus ?? "",
        newAttempt,
      ),
    );
    if (applied === 1) return { written: true, key };
    return { written: false, key, reason: "STALE_STATUS", storedStatus: StageStatusSchema.parse(storedStatus) };
  }

  async function readPairs(taskId: string): Promise<string[]> {
    if (readStrategy === "index") return commands.readTask(keys.indexKey(taskId));
    return getExisting(redis, await scanKeys(redis, keys.nodeScanPattern(taskId), scanCount));
  }

  async function removeTask(taskId: string): Promise<number> {
    const indexed = await commands.deleteTask(keys.indexKey(taskId));
    if (readStrategy === "index") return indexed;
    // Keys written without an index (compatibility mode) are found by SCAN and unlinked in batches.
    const found = await scanKeys(redis, keys.nodeScanPattern(taskId), scanCount);
    let removed = indexed;
    for (let first = 0; first < found.length; first += 500) {
      removed += await redis.unlink(...found.slice(first, first + 500));
    }
    return removed;
  }

  return {
    keys,
    nodeKey: (taskId, taskName) => keys.nodeKey(taskId, taskName),
    createWorkflowState: (context) => write(context, true),
    updateWorkflowState: (context, writeOptions?: WriteOptions) => write(context, writeOptions?.newAttempt ?? false),
    async getWorkflowState(taskId) {
      assertTaskId(taskId);
      const pairs = await guarded("read", () => readPairs(taskId));
      return aggregateNodeViews(taskId, decodeViews(taskId, pairs));
    },
    async getNodeState(taskId, taskName) {
      const key = keys.nodeKey(taskId, taskName);
      const raw = await guarded("read", () => redis.get(key));
      if (raw === null) return null;
      return decodeViews(taskId, [key, raw])[0] ?? null;
    },
    async deleteWorkflowState(taskId) {
      assertTaskId(taskId);
      return guarded("delete", () => removeTask(taskId));
    },
  };
}
