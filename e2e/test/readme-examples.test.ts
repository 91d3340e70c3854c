import { execFile } from "node:child_process";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// Docs that compile: every TypeScript block of every package README is type-checked here, as a
// team would paste it, against the built packages (strict, NodeNext).

const root = join(import.meta.dirname, "..", "..");
const out = join(import.meta.dirname, "..", ".readme-examples");

async function readmes(): Promise<string[]> {
  const found: string[] = [];
  for (const dir of ["packages", "apps"]) {
    for (const name of await readdir(join(root, dir))) {
      const path = join(root, dir, name, "README.md");
      if (await readFile(path).then(() => true, () => false)) found.push(path);
    }
  }
  return found;
}

describe("README examples", () => {
  it("every ```ts block of every package README type-checks", async () => {
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const files: string[] = [];
    for (const readme of await readmes()) {
      const text = await readFile(readme, "utf8");
      const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
      const name = relative(root, dirname(readme)).replaceAll("/", "-");
      for (const [i, block] of blocks.entries()) {
        const file = join(out, `${name}-${i + 1}.ts`);
        // Each block is a module of its own (top-level await allowed, names not shared).
        await writeFile(file, `${block}\nexport {};\n`);
        files.push(file);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(7);
    await writeFile(
      join(out, "tsconfig.json"),
      JSON.stringify({
        extends: "../../tsconfig.base.json",
        compilerOptions: { noEmit: true, noUnusedLocals: false, noUnusedParameters: false, rootDir: "." },
        include: ["*.ts"],
      }),
    );
    const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
    const result = await promisify(execFile)(process.execPath, [tsc, "-p", out]).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  }, 120_000);
});
