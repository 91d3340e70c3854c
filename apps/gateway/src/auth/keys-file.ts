import { readFile } from "node:fs/promises";
import { formatIssues } from "@wf/context";
import { ApiKeysFileSchema, type ApiKeyEntry } from "./api-keys.js";

/** Reads and validates `WF_API_KEYS_FILE`; throws with the file's problems named. */
export async function readKeysFile(path: string): Promise<ApiKeyEntry[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the API keys file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ApiKeysFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid API keys file ${path}: ${formatIssues(parsed.error).join("; ")}`);
  return parsed.data;
}
