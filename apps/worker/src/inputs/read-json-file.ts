import { readFile } from "node:fs/promises";
import type { z } from "zod";

/**
 * Reads a JSON input file and checks it against `schema`; throws `<field> is not <what>:
 * expected <shape>` when it is not JSON or not that shape (never a parser's message about bytes).
 */
export async function readJsonFile<T extends z.ZodType>(path: string, schema: T, describe: { field: string; what: string; shape: string }): Promise<z.output<T>> {
  let json: unknown = null;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch {
    // reported below, with what was expected
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${describe.field} is not ${describe.what}: expected ${describe.shape}`);
  return parsed.data;
}
