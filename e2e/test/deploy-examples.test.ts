import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GatewayEnvSchema } from "@wf/gateway";
import { objectStoreConfigFromEnv } from "@wf/object-store";
import { freePort, waitFor } from "@wf/testing";
import { WorkerEnvSchema } from "@wf/worker";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { startApp, type AppProcess } from "./processes.js";

// deploy/compose.yaml and deploy/kubernetes/wf.yaml cannot drift from the code: their
// environments must pass the apps' own configuration schemas, their ports and mounts must agree
// with that configuration and with deploy/Dockerfile, and every probe path must answer 200 on
// the real apps.

const root = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFile(join(root, path), "utf8");

type App = "gateway" | "worker";
const schemas = { gateway: GatewayEnvSchema, worker: WorkerEnvSchema };

interface DockerStage {
  expose: number[];
  env: Record<string, string>;
  healthPath: string;
}

/** EXPOSE, ENV and the HEALTHCHECK's path of each build target of deploy/Dockerfile. */
async function dockerStages(): Promise<Record<string, DockerStage>> {
  const text = (await read("deploy/Dockerfile")).replace(/\\\n/g, " ");
  const stages: Record<string, DockerStage> = {};
  let current: DockerStage | undefined;
  for (const line of text.split("\n")) {
    const from = /^FROM \S+ AS (\S+)/i.exec(line);
    if (from?.[1]) stages[from[1]] = current = { expose: [], env: {}, healthPath: "" };
    if (!current) continue;
    const expose = /^EXPOSE (\d+)/.exec(line);
    if (expose) current.expose.push(Number(expose[1]));
    if (line.startsWith("ENV ")) for (const [, name, value] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) current.env[name as string] = value as string;
    const health = /^HEALTHCHECK .*\+'(\/[^']*)'/.exec(line);
    if (health?.[1]) current.healthPath = health[1];
  }
  return stages;
}

interface ComposeService {
  image: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  depends_on?: Record<string, unknown>;
  command?: string[];
}

interface K8sContainer {
  image: string;
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
}

async function k8sContainers(): Promise<Record<App, K8sContainer>> {
  const documents = parseAllDocuments(await read("deploy/kubernetes/wf.yaml")).map((document) => document.toJS() as { kind: string; spec: { template?: { spec: { containers: (K8sContainer & { name: string })[] } } } });
  const containers = documents.filter((document) => document.kind === "Deployment").flatMap((document) => document.spec.template?.spec.containers ?? []);
  const byName = (name: App) => containers.find((container) => container.name === name) as K8sContainer;
  expect(containers.map((container) => container.name).sort()).toEqual(["gateway", "worker"]);
  return { gateway: byName("gateway"), worker: byName("worker") };
}

/** The port an app listens on under `env` (gateway: PORT, worker: WF_METRICS_PORT). */
const listenPort = (app: App, env: Record<string, string>): number =>
  app === "gateway" ? GatewayEnvSchema.parse(env).PORT : WorkerEnvSchema.parse(env).WF_METRICS_PORT;

describe("deploy/Dockerfile, compose.yaml and the Kubernetes example agree with the apps", () => {
  it("compose: each app's environment passes its schema; ports, volumes and secrets line up", async () => {
    const compose = parse(await read("deploy/compose.yaml")) as { services: Record<string, ComposeService>; secrets: Record<string, unknown> };
    const stages = await dockerStages();
    for (const app of ["gateway", "worker"] as const) {
      const service = compose.services[app] as ComposeService;
      expect(service.image).toMatch(new RegExp(`^wf/${app}:`));
      const env = { ...stages[app]?.env, ...service.environment };
      const unknown = Object.keys(service.environment ?? {}).filter((name) => !(name in schemas[app].shape));
      expect(unknown, `${app} variables the app does not read`).toEqual([]);
      expect(schemas[app].safeParse(env).success, JSON.stringify(env)).toBe(true);
      const config = schemas[app].parse(env);
      expect(service.volumes).toContain(`shared:${config.WF_SHARED_ROOT}`);
      expect(objectStoreConfigFromEnv(env)?.endpoint, `${app} uploads to the compose file's MinIO`).toBe("http://minio:9000");
      expect(service.depends_on).toHaveProperty("minio");
      expect(stages[app]?.expose).toContain(listenPort(app, env));
      // Acknowledged means kept: through the sentinels, with WAIT for the replica.
      expect([config.REDIS_SENTINELS?.map((sentinel) => sentinel.host), config.REDIS_SENTINEL_MASTER, config.WF_REDIS_WAIT_REPLICAS]).toEqual([["sentinel"], "mymaster", 1]);
      for (const port of service.ports ?? []) expect(Number(port.split(":").at(-1))).toBe(listenPort(app, env));
    }
    const gatewayEnv = compose.services["gateway"]?.environment ?? {};
    const secret = /^\/run\/secrets\/(.+)$/.exec(gatewayEnv["WF_API_KEYS_FILE"] ?? "")?.[1];
    expect(compose.services["gateway"]?.secrets).toContain(secret);
    expect(compose.secrets).toHaveProperty(secret as string);
    expect(compose.services["redis"]).toBeDefined();
    // The replica WAIT counts, and the sentinels that watch the master the apps are told of.
    expect(compose.services["redis-replica"]?.command).toEqual(expect.arrayContaining(["--replicaof", "redis", "6379"]));
    expect(JSON.stringify(compose.services["sentinel"]?.command)).toContain("sentinel monitor mymaster redis 6379 2");
    expect(compose.services["minio"]?.image).toMatch(/^minio\/minio:RELEASE\./);
  });

  it("kubernetes: each container's environment passes its schema; ports, mounts and probes line up", async () => {
    const stages = await dockerStages();
    for (const [app, container] of Object.entries(await k8sContainers()) as [App, K8sContainer][]) {
      expect(container.image).toMatch(new RegExp(`^wf/${app}:`));
      // A value from a Secret stands in as a placeholder: the schema checks that it is set.
      const env = Object.fromEntries(container.env.map(({ name, value, valueFrom }) => [name, value ?? (valueFrom ? "from-a-secret" : "")]));
      const unknown = Object.keys(env).filter((name) => !(name in schemas[app].shape));
      expect(unknown, `${app} variables the app does not read`).toEqual([]);
      const config = schemas[app].parse({ ...stages[app]?.env, ...env });
      expect(objectStoreConfigFromEnv(env)?.bucket).toBe("yivideo");
      expect([config.REDIS_SENTINELS?.length, config.WF_REDIS_WAIT_REPLICAS]).toEqual([1, 1]);
      expect(container.volumeMounts.map((mount) => mount.mountPath)).toContain(config.WF_SHARED_ROOT);
      const port = listenPort(app, { ...stages[app]?.env, ...env });
      for (const probe of [container.livenessProbe, container.readinessProbe]) {
        expect(container.ports.find((candidate) => candidate.name === probe.httpGet.port)?.containerPort).toBe(port);
      }
      if (app === "gateway") {
        const keysFile = (config as { WF_API_KEYS_FILE?: string }).WF_API_KEYS_FILE as string;
        expect(container.volumeMounts.map((mount) => mount.mountPath)).toContain(dirname(keysFile));
      }
    }
  });

  describe("every probe and HEALTHCHECK path answers 200 on the running apps", () => {
    let gateway: AppProcess;
    let worker: AppProcess;
    let shared: string;
    const bases: Record<App, string> = { gateway: "", worker: "" };

    beforeAll(async () => {
      shared = await mkdtemp(join(tmpdir(), "wf-e2e-deploy-"));
      const [port, metricsPort] = [await freePort(), await freePort()];
      const common = { REDIS_URL: inject("redisUrl"), WF_SHARED_ROOT: shared };
      gateway = startApp("@wf/gateway", { ...common, PORT: String(port), HOST: "127.0.0.1" });
      worker = startApp("@wf/worker", { ...common, WF_METRICS_PORT: String(metricsPort) });
      bases.gateway = `http://127.0.0.1:${port}`;
      bases.worker = `http://127.0.0.1:${metricsPort}`;
      await waitFor(async () => (await fetch(`${bases.gateway}/livez`).then((r) => r.ok, () => false)) || undefined, 20_000, `the gateway (${gateway.output()})`);
      await waitFor(async () => (await fetch(`${bases.worker}/healthz`).then((r) => r.ok, () => false)) || undefined, 20_000, `the worker (${worker.output()})`);
    });

    afterAll(async () => {
      expect(await gateway?.stop()).toBe(0);
      expect(await worker?.stop()).toBe(0);
      await rm(shared, { recursive: true, force: true });
    });

    it.each(["gateway", "worker"] as const)("%s", async (app) => {
      const containers = await k8sContainers();
      const stages = await dockerStages();
      const paths = new Set([containers[app].livenessProbe.httpGet.path, containers[app].readinessProbe.httpGet.path, stages[app]?.healthPath ?? ""]);
      expect(paths.has("")).toBe(false);
      for (const path of paths) expect((await fetch(`${bases[app]}${path}`)).status, `${app} ${path}`).toBe(200);
    });
  });
});
