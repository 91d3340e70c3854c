import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { TASK_ID_PATTERN } from "@wf/context";
import { z } from "zod";

/** One API key, as `WF_API_KEYS_FILE` lists it: only the key's SHA-256 is on disk. */
export const ApiKeyEntrySchema = z.object({
  team: z.string().regex(TASK_ID_PATTERN, "team must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit"),
  key_sha256: z.string().regex(/^[0-9a-f]{64}$/, "key_sha256 must be 64 lower-case hex digits"),
  role: z.enum(["member", "admin"]).default("member"),
  /** Signs this team's callbacks (`X-Wf-Signature`). */
  callback_secret: z.string().min(16).optional(),
  /** Folders this team's nodes may read local inputs from (within the workers' own roots). */
  input_roots: z.array(z.string().startsWith("/")).optional(),
  /** Requests per second for the team (all its keys, every gateway replica). */
  rate_limit_per_second: z.number().int().min(1).optional(),
  /** Pending plus running nodes the team may have at once. */
  max_active_nodes: z.number().int().min(1).optional(),
  /** Free text: who holds the key. */
  note: z.string().optional(),
});

/** One API key's entry. */
export type ApiKeyEntry = z.output<typeof ApiKeyEntrySchema>;

/** The keys file: a JSON array of entries, or `{ "keys": [...] }`. */
export const ApiKeysFileSchema = z.union([z.array(ApiKeyEntrySchema), z.object({ keys: z.array(ApiKeyEntrySchema) }).transform((file) => file.keys)]);

/** SHA-256 (hex) of an API key, as entries store it. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** A new random API key (`wf_` + 43 URL-safe characters) and a callback secret for its entry. */
export function generateApiKey(): { key: string; callbackSecret: string } {
  return { key: `wf_${randomBytes(32).toString("base64url")}`, callbackSecret: randomBytes(32).toString("hex") };
}

/** The keys the gateway accepts; replaced whole on reload (SIGHUP). */
export interface KeyRing {
  /** The entry of a presented key, compared in constant time with every entry; `undefined` if none. */
  authenticate(key: string): ApiKeyEntry | undefined;
  /** The settings of a team (its first entry), for callback secrets, input roots and quotas. */
  team(name: string): ApiKeyEntry | undefined;
  /** Replaces the entries (a reload). */
  replace(entries: readonly ApiKeyEntry[]): void;
  readonly size: number;
}

/** Creates a key ring over `entries`. */
export function createKeyRing(entries: readonly ApiKeyEntry[]): KeyRing {
  let current = [...entries];
  return {
    authenticate(key) {
      const presented = Buffer.from(hashApiKey(key), "hex");
      let found: ApiKeyEntry | undefined;
      // Every entry is compared, matched or not, so timing says nothing about which key is close.
      for (const entry of current) {
        if (timingSafeEqual(presented, Buffer.from(entry.key_sha256, "hex")) && !found) found = entry;
      }
      return found;
    },
    team(name) {
      return current.find((entry) => entry.team === name);
    },
    replace(next) {
      current = [...next];
    },
    get size() {
      return current.length;
    },
  };
}
