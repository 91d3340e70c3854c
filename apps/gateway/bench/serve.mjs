// The gateway under test for http.bench.mjs, plus a constant route measured beside it.
// Started as its own process so that the load generator does not share its event loop.
import { connectRedis, createNodeRegistry, createStateStore } from "@wf/state-redis";
import { buildApp, createRegistryCatalog, NodeQueues } from "../dist/index.js";

const redis = connectRedis(process.env.REDIS_URL, { mode: "fail-fast" });
await new Promise((resolve) => redis.once("ready", resolve));
const app = await buildApp({
  store: createStateStore({ redis }),
  queues: new NodeQueues(connectRedis(process.env.REDIS_URL, { mode: "fail-fast" })),
  redis,
  sharedRoot: "/tmp/wf-bench",
  nodes: createRegistryCatalog(createNodeRegistry({ redis })),
  callbackPolicy: { allowPrivate: false, allowedHosts: [] },
});
app.get("/bench/constant", async () => ({ status: "ok" }));
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
console.log("ready");
process.once("SIGINT", () => process.exit(0));
