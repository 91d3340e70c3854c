import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { ZodApp } from "../deps.js";

/** The built dashboard (`@wf/dashboard`'s `dist`), or undefined when it is not installed or not built. */
export function dashboardRoot(): string | undefined {
  try {
    const root = join(dirname(createRequire(import.meta.url).resolve("@wf/dashboard/package.json")), "dist");
    return existsSync(join(root, "index.html")) ? root : undefined;
  } catch {
    return undefined;
  }
}

/** Serves the dashboard at `/ui/` (static files, no API key needed: the page asks for one). */
export async function serveDashboard(app: ZodApp, root: string): Promise<void> {
  // Assets by path; the page itself from memory, since the router treats /ui/ as /ui.
  await app.register(fastifyStatic, { root, prefix: "/ui/", decorateReply: false, index: false, wildcard: true });
  const page = await readFile(join(root, "index.html"));
  app.get("/ui/", { schema: { hide: true } }, (_request, reply) => reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(page));
  // The router ignores trailing slashes, but the page's relative asset paths need one.
  app.addHook("onRequest", async (request, reply) => {
    if (request.url === "/ui" || request.url.startsWith("/ui?")) return reply.redirect(`/ui/${request.url.slice(3)}`);
  });
}
