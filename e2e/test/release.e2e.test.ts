import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, waitFor } from "@wf/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// Releases through a real registry: a throwaway Verdaccio on loopback gets every public package,
// and a consumer project outside the workspace installs them with npm, as another team would.

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const PUBLIC = ["packages/context", "packages/protocol", "packages/object-store", "packages/state-redis", "packages/client", "apps/dashboard", "apps/gateway", "apps/worker"];
let work: string;
let registry: string;
let verdaccio: ChildProcess | undefined;
let npmrc: string;

const npm = (args: string[], cwd: string) => run("npm", args, { cwd, env: { ...process.env, npm_config_userconfig: npmrc }, maxBuffer: 64 * 1024 * 1024 });
const versionsOf = async (name: string): Promise<string[]> => {
  const { stdout } = await npm(["view", name, "versions", "--json", "--registry", registry], work);
  const parsed = JSON.parse(stdout) as string | string[];
  return Array.isArray(parsed) ? parsed : [parsed];
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "wf-release-"));
  const port = await freePort();
  registry = `http://127.0.0.1:${port}/`;
  // Any token will do for this registry; the @wf scope resolves there, everything else as usual.
  npmrc = join(work, ".npmrc");
  await writeFile(npmrc, `@wf:registry=${registry}\n//127.0.0.1:${port}/:_authToken=wf-test-token\n`);

  const server = join(work, "verdaccio");
  await mkdir(server, { recursive: true });
  await writeFile(join(server, "package.json"), JSON.stringify({ private: true, dependencies: { verdaccio: "6.8.0" }, overrides: { "node-fetch": "2.7.0" } }));
  await npm(["install", "--no-audit", "--no-fund", "--loglevel=error"], server);
  await writeFile(
    join(server, "config.yaml"),
    `storage: ${join(server, "storage")}\nuplinks: {}\npackages:\n  '**':\n    access: $all\n    publish: $all\nlog: { type: stdout, format: pretty, level: error }\n`,
  );
  verdaccio = spawn(join(server, "node_modules", ".bin", "verdaccio"), ["--config", join(server, "config.yaml"), "--listen", `127.0.0.1:${port}`], { stdio: "ignore" });
  await waitFor(async () => (await fetch(`${registry}-/ping`).then((r) => r.ok).catch(() => false)) || undefined, 60_000, "verdaccio to listen");
}, 240_000);

afterAll(async () => {
  verdaccio?.kill("SIGTERM");
  await rm(work, { recursive: true, force: true });
});

describe("releases through a real registry", () => {
  it("publishes every public package; a consumer installs them with its own zod and type-checks and runs them", async () => {
    const tarballs = join(work, "tarballs");
    await mkdir(tarballs);
    for (const dir of PUBLIC) {
      await run("pnpm", ["pack", "--pack-destination", tarballs], { cwd: join(root, dir) });
    }
    for (const tarball of await readdir(tarballs)) {
      // Every tarball carries its licence, README and changelog, and no source or tests.
      const { stdout: listing } = await run("tar", ["-tzf", join(tarballs, tarball)]);
      expect(listing, tarball).toMatch(/package\/LICENSE/);
      expect(listing, tarball).toMatch(/package\/README\.md/);
      expect(listing, tarball).not.toMatch(/package\/(src|test)\//);
      await npm(["publish", join(tarballs, tarball), "--registry", registry], work);
    }
    const version = (JSON.parse(await readFile(join(root, "packages/context/package.json"), "utf8")) as { version: string }).version;
    expect(await versionsOf("@wf/context")).toEqual([version]);

    const consumer = join(work, "consumer");
    await mkdir(join(consumer, "src"), { recursive: true });
    const own = async (dir: string) => (JSON.parse(await readFile(join(root, dir, "package.json"), "utf8")) as { version: string }).version;
    await writeFile(
      join(consumer, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        type: "module",
        dependencies: {
          "@wf/context": await own("packages/context"),
          "@wf/state-redis": await own("packages/state-redis"),
          "@wf/worker": await own("apps/worker"),
          // Not the workspace's zod (4.6.7): the team's own copy must be the one used.
          zod: "4.6.6",
          ioredis: "6.0.0",
          bullmq: "6.7.0",
          typescript: "5.9.3",
          "@types/node": "20.19.43",
        },
      }),
    );
    await cp(npmrc, join(consumer, ".npmrc"));
    await npm(["install", "--no-audit", "--no-fund", "--loglevel=error"], consumer);
    const { stdout: zods } = await npm(["ls", "zod", "--all", "--parseable"], consumer);
    expect(zods.trim().split("\n")).toEqual([join(consumer, "node_modules", "zod")]);

    await cp(join(import.meta.dirname, "..", "fixtures", "release-consumer", "consumer.ts"), join(consumer, "src", "consumer.ts"));
    const configs = {
      nodenext: { module: "NodeNext", moduleResolution: "NodeNext", outDir: "dist" },
      bundler: { module: "ESNext", moduleResolution: "Bundler", noEmit: true },
      commonjs: { module: "CommonJS", moduleResolution: "Node10", esModuleInterop: true, outDir: "dist-cjs" },
    };
    for (const [name, options] of Object.entries(configs)) {
      await writeFile(
        join(consumer, `tsconfig.${name}.json`),
        JSON.stringify({ compilerOptions: { target: "ES2022", strict: true, skipLibCheck: false, types: ["node"], ...options }, include: ["src"] }),
      );
      const tsc = await run(process.execPath, [join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", `tsconfig.${name}.json`], { cwd: consumer }).then(
        () => "",
        (error: { stdout?: string }) => error.stdout ?? String(error),
      );
      expect(tsc, `tsc (${name})`).toBe("");
    }
    // The CommonJS build needs its own package scope.
    await writeFile(join(consumer, "dist-cjs", "package.json"), JSON.stringify({ type: "commonjs" }));
    for (const entry of ["dist/consumer.js", "dist-cjs/consumer.js"]) {
      const { stdout } = await run(process.execPath, [entry], { cwd: consumer, timeout: 60_000, env: { ...process.env, REDIS_URL: inject("redisUrl") } }).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`${entry} failed: ${error.stdout ?? ""} ${error.stderr ?? ""}`);
      });
      expect(JSON.parse(stdout.trim().split("\n").pop() as string), entry).toEqual({ output: { words: 3 }, deleted: 1 });
    }
  }, 300_000);

  it("after one changeset, a release bumps and publishes only that package and its dependents", async () => {
    const repo = join(work, "repo");
    await run("git", ["clone", "--quiet", root, repo]);
    // As right after a release: no pending changesets but the new one.
    for (const file of await readdir(join(repo, ".changeset"))) {
      if (file.endsWith(".md") && file !== "README.md") await rm(join(repo, ".changeset", file));
    }
    await writeFile(join(repo, ".changeset", "protocol-fix.md"), `---\n"@wf/protocol": patch\n---\n\nA fix in the protocol package.\n`);
    const env = { ...process.env, npm_config_userconfig: npmrc, CI: "true" };
    await run("pnpm", ["install", "--frozen-lockfile", "--offline", "--reporter=silent"], { cwd: repo, env });
    const before = await versionsOf("@wf/protocol");
    await run("pnpm", ["release"], { cwd: repo, env, maxBuffer: 64 * 1024 * 1024 });

    const versionOf = async (dir: string) => (JSON.parse(await readFile(join(repo, dir, "package.json"), "utf8")) as { version: string }).version;
    const bump = (v: string) => v.replace(/(\d+)$/, (patch) => String(Number(patch) + 1));
    expect(await versionOf("packages/protocol")).toBe(bump(before[0] as string));
    for (const dir of ["packages/context", "packages/state-redis"]) {
      expect(await versionOf(dir), dir).toBe((JSON.parse(await readFile(join(root, dir, "package.json"), "utf8")) as { version: string }).version);
    }
    expect((await versionsOf("@wf/protocol")).length).toBe(2);
    expect((await versionsOf("@wf/worker")).length).toBe(2); // a dependent: bumped too
    expect((await versionsOf("@wf/gateway")).length).toBe(2);
    expect(await versionsOf("@wf/context")).toHaveLength(1);
    expect(await versionsOf("@wf/state-redis")).toHaveLength(1);
  }, 300_000);
});
