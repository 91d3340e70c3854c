export { freePort } from "./free-port.js";
export { startRedisServer, waitForRedis, type RedisServerHandle, type RedisServerOptions } from "./redis-server.js";
export { startRedisCluster, type RedisClusterHandle } from "./redis-cluster.js";
export { redisGlobalSetup } from "./global-setup.js";
