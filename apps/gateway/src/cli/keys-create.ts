import { parseArgs } from "node:util";
import { ApiKeyEntrySchema, generateApiKey, hashApiKey } from "../auth/api-keys.js";

/**
 * `wf-gateway keys create --team <team> [--role member|admin]`: prints a new API key (shown once,
 * never stored) and the entry to add to `WF_API_KEYS_FILE` (its hash and a callback secret).
 * Returns the process exit code.
 */
export function keysCreate(args: readonly string[], print: (line: string) => void = console.log): number {
  const { values } = parseArgs({ args: [...args], options: { team: { type: "string" }, role: { type: "string", default: "member" } } });
  const { key, callbackSecret } = generateApiKey();
  const entry = ApiKeyEntrySchema.safeParse({ team: values.team, key_sha256: hashApiKey(key), role: values.role, callback_secret: callbackSecret });
  if (!entry.success) {
    print(`usage: wf-gateway keys create --team <team> [--role member|admin]\n${entry.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n")}`);
    return 2;
  }
  print(`API key for team ${entry.data.team} (shown once; give it to the team):\n${key}\n`);
  print(`Add this entry to WF_API_KEYS_FILE, then send SIGHUP to the gateway:\n${JSON.stringify(entry.data, null, 2)}`);
  return 0;
}
