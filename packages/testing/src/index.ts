export { freePort } from "./free-port.js";
export { startRedisServer, waitForRedis, type RedisServerHandle, type RedisServerOptions } from "./redis-server.js";
export { startRedisCluster, type RedisClusterHandle } from "./redis-cluster.js";
export { redisGlobalSetup } from "./global-setup.js";
export { makeTestVideo, probeMedia, type MediaProbe } from "./media.js";
export { waitFor } from "./wait-for.js";
export { startS3Server, type S3ServerHandle } from "./s3-server.js";
export { startRedisSentinel, type RedisSentinelHandle } from "./redis-sentinel.js";
export { startTcpProxy, type TcpProxyHandle } from "./tcp-proxy.js";
