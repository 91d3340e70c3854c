import type { ApiKeyEntry } from "./api-keys.js";

/** Who a request acts for: a team's key, or anyone when the gateway runs without keys. */
export type Principal = { kind: "anonymous" } | { kind: "team"; team: string; admin: boolean; entry: ApiKeyEntry };

/** The principal of a gateway without API keys. */
export const ANONYMOUS: Principal = { kind: "anonymous" };

/** Whether `principal` may see a task owned by `owner` (`null`: no owner recorded). */
export function canSee(principal: Principal, owner: string | null): boolean {
  if (principal.kind === "anonymous" || principal.admin) return true;
  return owner === principal.team;
}

/** The owner to record on the tasks a principal creates (none in anonymous mode). */
export function ownerOf(principal: Principal): string | undefined {
  return principal.kind === "team" ? principal.team : undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Who the request acts for (set by the authentication hook). */
    principal: Principal;
  }
}
