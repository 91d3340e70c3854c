import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import { describe, expect, it } from "vitest";

// `engines.node` of every published package must be true to what it installs: each production
// dependency, at the version the lockfile resolves, must accept every Node version we accept.

const root = join(import.meta.dirname, "..", "..");
const packages = ["packages/context", "packages/protocol", "packages/state-redis", "packages/client", "apps/dashboard", "apps/gateway", "apps/worker"];

/**
 * Dependencies whose declared range is narrower than ours, and why they still run on ours.
 * Each entry names the exact version, so an upgrade has to be looked at again.
 */
const waived: Record<string, string> = {
  // Only fastify's `inject()` loads it (lazily, through light-my-request), never a serving
  // gateway. It is ESM-only and loads through require(esm), on by default from Node 20.19,
  // which is why the gateway states >=20.19; the gateway's inject-based tests run it on 20.
  "cookie@2.0.2": "loaded only by fastify.inject(), through require(esm)",
};

interface ListedDependency {
  version: string;
  path: string;
  dependencies?: Record<string, ListedDependency>;
}

async function productionClosure(dir: string): Promise<Map<string, string>> {
  const { stdout } = await promisify(execFile)("pnpm", ["list", "--prod", "--depth", "Infinity", "--json"], {
    cwd: join(root, dir),
    maxBuffer: 64 * 1024 * 1024,
  });
  // pnpm lists the workspace root beside the package; take the package's own entry.
  const listing = (JSON.parse(stdout) as { path: string; dependencies?: Record<string, ListedDependency> }[]).find(
    (entry) => entry.path === join(root, dir),
  );
  expect(listing, `pnpm list found ${dir}`).toBeDefined();
  const found = new Map<string, string>();
  const visit = async (dependencies: Record<string, ListedDependency> | undefined): Promise<void> => {
    for (const [name, dependency] of Object.entries(dependencies ?? {})) {
      const id = `${name}@${dependency.version}`;
      if (found.has(id)) continue;
      // Optional dependencies for other platforms are listed but not installed.
      const text = await readFile(join(dependency.path, "package.json"), "utf8").catch(() => undefined);
      if (text === undefined) continue;
      const manifest = JSON.parse(text) as { engines?: { node?: string } };
      found.set(id, manifest.engines?.node ?? "*");
      await visit(dependency.dependencies);
    }
  };
  await visit(listing?.dependencies);
  return found;
}

describe("engines.node", () => {
  it.each(packages)("%s accepts no Node version that a production dependency refuses", async (dir) => {
    const manifest = JSON.parse(await readFile(join(root, dir, "package.json"), "utf8")) as { engines?: { node?: string } };
    const ours = manifest.engines?.node;
    expect(ours, "engines.node is declared").toBeDefined();
    const narrower: string[] = [];
    for (const [id, theirs] of await productionClosure(dir)) {
      if (id in waived) continue;
      if (!semver.subset(ours ?? "*", theirs)) narrower.push(`${id} wants node ${theirs}`);
    }
    expect(narrower).toEqual([]);
  }, 60_000);

  it("the waivers are still needed (a dependency upgrade that drops one fails here)", async () => {
    const all = new Set<string>();
    for (const dir of packages) for (const id of (await productionClosure(dir)).keys()) all.add(id);
    expect(Object.keys(waived).filter((id) => !all.has(id))).toEqual([]);
  }, 60_000);
});
