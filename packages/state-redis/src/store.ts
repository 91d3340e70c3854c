import { dependenciesOfStage, type PipelineStep, type WorkflowContext } from "@wf/context";
import { aggregateNodeViews } from "./aggregate.js";
import { decodeContext, encodeContext } from "./codec.js";
import { NOT_OWNER, SUPERSEDED, WRITTEN, defineStoreCommands, statusOfCode, type NodeWrite } from "./commands/index.js";
import { CorruptIndexError, StoreConfigError, guarded, isWrongTypeReply, toStoreError } from "./errors.js";
import { lastEventId, readEventRange, waitForEventRange } from "./events.js";
import { createIndexReader } from "./index-read.js";
import { createKeySpace } from "./keys.js";
import { addToListings, parseListingCursor, readListingPage, removeFromListings } from "./listing.js";
import { buildNodeView, eventOfView, withStageInput } from "./node-view.js";
import { getExisting, scanKeys, unlinkAll } from "./scan.js";
import { createWriteCoalescer } from "./write-coalescing.js";
import type { DeleteOptions, StateStore, StateStoreOptions, WriteManyOptions, WriteOptions, WriteResult } from "./types.js";

/** Default TTL of node keys: one day. */
export const DEFAULT_TTL_SECONDS = 86_400;

/** Default bound of each task listing (the newest tasks are kept). */
export const DEFAULT_LISTING_MAX_ENTRIES = 100_000;

/** The pipeline hash's entries of nodes being written: task name -> `"<job id> <dependency> …"`. */
function pipelineEntries(contexts: readonly object[]): [string, string][] {
  return contexts.flatMap((context) => {
    const view = context as WorkflowContext;
    const taskName = view.input_params?.task_name;
    const stage = taskName ? view.stages?.[taskName] : undefined;
    const jobId = stage?.["job_id"];
    if (!taskName || typeof jobId !== "string") return [];
    return [[taskName, [jobId, ...dependenciesOfStage(stage)].join(" ")] as [string, string]];
  });
}

/** How long the index (and with it the owner, events and listing entries) outlives its newest node: as in writeNode.lua. */
const keepSecondsOf = (ttl: number): number => ttl + Math.min(Math.ceil(ttl / 10), 3600);

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
  const scanMode = (options.readStrategy ?? "index") === "scan";
  const legacyKeys = options.legacyKeys ?? false;
  const scanCount = options.scanCount ?? 1000;
  const keys = createKeySpace(options.keyLayout ?? "plain");
  const listingMaxEntries = options.listingMaxEntries ?? DEFAULT_LISTING_MAX_ENTRIES;
  // On a Cluster the listings live in another slot than the task: updated by the store after.
  const listingInScript = keys.layout === "plain";
  const listingKeys = (owner: string | null | undefined): string[] =>
    owner ? [keys.taskListing(), keys.taskListing(owner)] : [keys.taskListing()];

  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new StoreConfigError(`ttlSeconds must be a positive integer, got ${String(ttlSeconds)}`);
  }
  if (redis.isCluster && keys.layout !== "hash-tag") {
    throw new StoreConfigError('a Redis Cluster needs keyLayout "hash-tag" so that all keys of a task share a slot');
  }
  const commands = defineStoreCommands(redis);
  const readIndex = createIndexReader(redis, commands, keys);
  const coalesce = createWriteCoalescer(redis, options.coalesceWrites ?? true);

  const report = (taskId: string, key: string, reason: string): void => {
    logger?.warn({ taskId, key, reason }, "skipping corrupt node state");
    onCorruptNode?.({ taskId, key, reason });
  };

  function decodeViews(taskId: string, pairs: readonly string[]): WorkflowContext[] {
    const views: WorkflowContext[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const decoded = decodeContext(pairs[i + 1] as string);
      if (decoded.ok) views.push(withStageInput(decoded.context));
      else report(taskId, pairs[i] as string, decoded.reason);
    }
    return views;
  }

  const scanTask = async (taskId: string): Promise<string[]> =>
    getExisting(redis, await scanKeys(redis, keys.nodeScanPattern(taskId), scanCount));

  async function readPairs(taskId: string): Promise<string[]> {
    if (scanMode) return scanTask(taskId);
    try {
      const { pairs, foreign } = await readIndex(taskId);
      for (const { key, type } of foreign) report(taskId, key, `node key holds a ${type}, not a string`);
      return pairs;
    } catch (error) {
      if (!(error instanceof CorruptIndexError)) throw error;
      report(taskId, keys.indexKey(taskId), "index key holds another type; reading the task by SCAN");
      return scanTask(taskId);
    }
  }

  /** The task's `{task_id}:{service}:{function}` keys (legacy-keys mode). */
  const scanLegacy = async (taskId: string): Promise<string[]> =>
    (await scanKeys(redis, keys.legacyScanPattern(taskId), scanCount)).filter((key) => keys.legacyTaskName(taskId, key) !== null);

  /** `[key, value]` pairs of the task's legacy keys; one GET each, as they may lie in different Cluster slots. */
  async function readLegacyPairs(taskId: string): Promise<string[]> {
    const found = await scanLegacy(taskId);
    const values = await Promise.all(found.map((key) => redis.get(key).catch((error: unknown) => (isWrongTypeReply(error) ? null : Promise.reject(error)))));
    return found.flatMap((key, i) => (values[i] == null ? [] : [key, values[i] as string]));
  }

  async function removeTask(taskId: string, ifPending?: DeleteOptions["ifPending"]): Promise<number> {
    // Listing entries are left to readers, which skip and unlist tasks that are gone: a delete
    // stays one command.
    const guard: [] | [string, string] = ifPending ? [ifPending.taskName, ifPending.jobId] : [];
    const [removed, indexWasCorrupt] = await commands.deleteTask(keys.indexKey(taskId), keys.ownerKey(taskId), keys.eventsKey(taskId), keys.pipelineKey(taskId), keys.nodeKeyPrefix(taskId), ...guard);
    if (removed < 0) return 0;
    let total = removed;
    // Keys that no index lists (compatibility mode, or a corrupt index) are found by SCAN.
    if (scanMode || indexWasCorrupt !== 0) total += await unlinkAll(redis, await scanKeys(redis, keys.nodeScanPattern(taskId), scanCount));
    if (legacyKeys) total += (await Promise.all((await scanLegacy(taskId)).map((key) => redis.unlink(key)))).reduce((sum, n) => sum + n, 0);
    return total;
  }

  const ttlArgument = String(ttlSeconds);

  /** The script call of one node write, and what to do once it is written. */
  function planWrite(context: object, newAttempt: boolean, attempt?: string, owner?: string, run?: WriteOptions["run"]) {
    const view = buildNodeView(context, new Date());
    const key = keys.nodeKey(view.taskId, view.taskName);
    const event = eventOfView(view);
    const nowMs = Date.now();
    const nodeWrite: NodeWrite = {
      nodeKey: key,
      indexKey: keys.indexKey(view.taskId),
      ownerKey: keys.ownerKey(view.taskId),
      eventsKey: keys.eventsKey(view.taskId),
      encoded: encodeContext(view.context),
      ttlSeconds: ttlArgument,
      taskName: view.taskName,
      status: view.stageStatus,
      event: event ? JSON.stringify(event) : "",
      check: newAttempt ? "new-attempt" : scanMode ? "status-json" : "index",
      attempt,
      run: attempt ? run : undefined,
      owner,
      listing: newAttempt && listingInScript ? { keys: listingKeys(owner), taskId: view.taskId, nowMs, maxEntries: listingMaxEntries } : undefined,
    };
    // On a Cluster the listings live in another slot than the task: updated right after the write.
    const afterWrite = async (): Promise<void> => {
      if (newAttempt && !listingInScript) {
        await guarded(addToListings(redis, listingKeys(owner), view.taskId, nowMs, keepSecondsOf(ttlSeconds), listingMaxEntries), "write");
      }
    };
    return { key, taskId: view.taskId, taskName: view.taskName, nodeWrite, afterWrite };
  }

  function resultOf(key: string, reply: number): WriteResult {
    if (reply === WRITTEN) return { written: true, key };
    if (reply === SUPERSEDED) return { written: false, key, reason: "SUPERSEDED" };
    if (reply === NOT_OWNER) return { written: false, key, reason: "NOT_OWNER" };
    return { written: false, key, reason: "STALE_STATUS", storedStatus: statusOfCode(reply) };
  }

  async function write(context: object, newAttempt: boolean, attempt?: string, owner?: string, run?: WriteOptions["run"]): Promise<WriteResult> {
    const planned = planWrite(context, newAttempt, attempt, owner, run);
    coalesce();
    const reply = await guarded(commands.writeNode(planned.nodeWrite), "write");
    if (reply === WRITTEN) await planned.afterWrite();
    return resultOf(planned.key, reply);
  }

  async function writeMany(contexts: readonly object[], options: WriteManyOptions): Promise<WriteResult[]> {
    const planned = contexts.map((context) => planWrite(context, true, undefined, options.owner));
    const taskIds = new Set(planned.map((entry) => entry.taskId));
    const [taskId] = taskIds;
    if (taskIds.size !== 1 || taskId === undefined) throw new StoreConfigError("createWorkflowStates writes the nodes of exactly one task");
    if (new Set(planned.map((entry) => entry.taskName)).size !== planned.length) throw new StoreConfigError("createWorkflowStates got the same node twice");
    // The first write adds the task to the listings; the others need not.
    for (const entry of planned.slice(1)) entry.nodeWrite.listing = undefined;
    const pipeline = options.pipeline ? pipelineEntries(contexts) : [];
    coalesce();
    const replies = await guarded(
      commands.writeNodesAtomically(
        planned.map((entry) => entry.nodeWrite),
        pipeline.length > 0 ? { key: keys.pipelineKey(taskId), entries: pipeline, keepSeconds: keepSecondsOf(ttlSeconds) } : undefined,
      ),
      "write",
    );
    if (replies[0] === WRITTEN) await planned[0]?.afterWrite();
    return replies.map((reply, i) => resultOf(planned[i]?.key ?? "", reply));
  }

  return {
    keys,
    nodeKey: (taskId, taskName) => keys.nodeKey(taskId, taskName),
    createWorkflowState: (context, writeOptions?: WriteOptions) => write(context, true, writeOptions?.attempt, writeOptions?.owner),
    updateWorkflowState: (context, writeOptions?: WriteOptions) =>
      write(context, writeOptions?.newAttempt ?? false, writeOptions?.attempt, writeOptions?.owner, writeOptions?.run),
    createWorkflowStates: (contexts, writeOptions = {}) => writeMany(contexts, writeOptions),
    async pipelineStep(taskId, ownName) {
      coalesce();
      const reply = await guarded(commands.pipelineStep(keys.pipelineKey(taskId), keys.indexKey(taskId), ownName), "read");
      if (!reply) return null;
      const [final, own, steps] = reply;
      const step: PipelineStep = { final: final === 1, ready: [], doomed: [] };
      for (const [kind, taskName, jobId, reason] of steps) {
        if (kind === "ready") step.ready.push({ taskName, jobId });
        else step.doomed.push({ taskName, jobId, reason });
      }
      return ownName ? { ...step, ownStatus: own >= 0 ? statusOfCode(own) : null } : step;
    },
    async getTaskOwner(taskId) {
      coalesce();
      return guarded(redis.get(keys.ownerKey(taskId)), "read");
    },
    async getWorkflowState(taskId) {
      coalesce();
      const pairs = await guarded(readPairs(taskId), "read");
      if (legacyKeys) pairs.push(...(await guarded(readLegacyPairs(taskId), "read")));
      return aggregateNodeViews(taskId, decodeViews(taskId, pairs));
    },
    async getNodeState(taskId, taskName) {
      const key = keys.nodeKey(taskId, taskName);
      coalesce();
      let raw: string | null;
      try {
        raw = await redis.get(key);
      } catch (error) {
        if (!isWrongTypeReply(error)) throw toStoreError(error, "read");
        report(taskId, key, `node key holds another type: ${error.message}`);
        return null;
      }
      if (raw === null && legacyKeys) {
        const legacyKey = keys.legacyNodeKey(taskId, taskName);
        const legacy = await guarded(redis.get(legacyKey), "read").catch((error: unknown) => (isWrongTypeReply(error) ? null : Promise.reject(error)));
        return legacy == null ? null : (decodeViews(taskId, [legacyKey, legacy])[0] ?? null);
      }
      return raw === null ? null : (decodeViews(taskId, [key, raw])[0] ?? null);
    },
    async deleteWorkflowState(taskId, deleteOptions = {}) {
      coalesce();
      return guarded(removeTask(taskId, deleteOptions.ifPending), "delete");
    },
    async listTasks(listOptions) {
      const cursor = listOptions.cursor ? parseListingCursor(listOptions.cursor) : null;
      if (listOptions.cursor && !cursor) throw new StoreConfigError("not a listing cursor this store issued");
      coalesce();
      return guarded(readListingPage(redis, keys.taskListing(listOptions.team), cursor, listOptions.limit), "read");
    },
    async unlistTask(taskId, team) {
      coalesce();
      await guarded(removeFromListings(redis, team ? [keys.taskListing(), keys.taskListing(team)] : [keys.taskListing()], taskId), "write");
    },
    async readTaskEvents(taskId, after, count = 1000) {
      coalesce();
      return guarded(readEventRange(redis, keys.eventsKey(taskId), after, count), "read");
    },
    async lastTaskEventId(taskId) {
      coalesce();
      return guarded(lastEventId(redis, keys.eventsKey(taskId)), "read");
    },
    async openTaskEvents(taskId) {
      coalesce();
      return guarded(commands.openEvents(keys.indexKey(taskId), keys.eventsKey(taskId)), "write");
    },
    async waitForTaskEvents(connection, taskId, after, blockMs, count = 1000) {
      return guarded(waitForEventRange(connection, keys.eventsKey(taskId), after, blockMs, count), "read");
    },
  };
}
