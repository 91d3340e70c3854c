export { buildApp, type BuildAppOptions } from "./app.js";
export type { GatewayDeps } from "./deps.js";
export { NodeQueues } from "./queues/node-queues.js";
export { createFailFastRedis } from "./redis.js";
export { createRegistryCatalog, type CatalogNode, type NodeCatalog } from "./nodes/node-catalog.js";
export { ApiError } from "./errors/api-error.js";
export type { ErrorBody } from "./errors/error-handler.js";
export { createGatewayMetrics, type GatewayMetrics } from "./metrics/gateway-metrics.js";
export { startCallbackDelivery, type CallbackDeliveryOptions } from "./callbacks/callback-delivery.js";
