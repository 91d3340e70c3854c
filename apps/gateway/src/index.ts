export { buildApp, type BuildAppOptions } from "./app.js";
export type { GatewayDeps } from "./deps.js";
export { NodeQueues } from "./queues/node-queues.js";
export { createFailFastRedis } from "./redis.js";
export { DEFAULT_SUPPORTED_TASKS } from "./supported-tasks.js";
export { ApiError } from "./errors/api-error.js";
export type { ErrorBody } from "./errors/error-handler.js";
