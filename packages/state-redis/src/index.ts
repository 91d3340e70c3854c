export { createStateStore, DEFAULT_LISTING_MAX_ENTRIES, DEFAULT_TTL_SECONDS } from "./store.js";
export type { StoredTaskEvent } from "./events.js";
export { listingCursorOf, type ListedTask, type TaskPage } from "./listing.js";
export { RESOURCE_INSTANCE_PATTERN, createKeySpace, type KeyLayout, type KeySpace } from "./keys.js";
export { aggregateNodeViews } from "./aggregate.js";
export { CorruptIndexError, StoreConfigError, StoreFullError, StoreUnavailableError, isOutOfMemoryReply, isTransientReply, isTransientStoreError } from "./errors.js";
export { probeStoreHealth, type StoreHealth } from "./health.js";
export type {
  CorruptNodeEvent,
  DeleteOptions,
  ListTasksOptions,
  ReadStrategy,
  RedisConnection,
  StateStore,
  StateStoreOptions,
  StoreLogger,
  WriteManyOptions,
  WriteOptions,
  WriteResult,
} from "./types.js";
export {
  createNodeRegistry,
  type NodeRegistration,
  type NodeRegistry,
  type NodeRegistryOptions,
  type RegisteredNode,
} from "./registry.js";
export { connectRedis, connectionEpoch, keyLayoutFor, type ConnectOptions, type ConnectionMode, type SentinelOptions } from "./connect.js";
export { createActiveNodes, type ActiveNodeEntry, type ActiveNodes, type ActiveNodesOptions } from "./active-nodes.js";
export { createTeamQuotas, type TeamQuotas } from "./quotas.js";
export { createWriteCoalescer } from "./write-coalescing.js";
export { DECLARATION_TTL_MS, createResourceLeases, type AcquireResult, type ResourceHolderInfo, type ResourceLeases, type ResourceState } from "./resources.js";
