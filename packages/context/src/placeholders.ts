import { WfError } from "./errors.js";
import type { StageExecution } from "./workflow-context.js";

/**
 * `${{ stages.<task_name>.output.<field> }}`, spaces allowed inside the braces: the original's
 * `parameter_resolver` syntax. A string in `input_data` that is exactly this is a placeholder.
 */
export const PLACEHOLDER_PATTERN = /^\$\{\{\s*stages\.([\w.-]+)\.output\.([\w.-]+)\s*\}\}$/;

/** Deepest nesting placeholders are looked for in; deeper input is refused, never recursed into. */
export const MAX_INPUT_DEPTH = 64;

/** Where a value sits in `input_data`: keys and array indexes. */
export type InputPath = readonly (string | number)[];

/** A placeholder found in an input: where it is and what it names. */
export interface Placeholder {
  path: InputPath;
  /** The stage (task name) whose output it reads. */
  stage: string;
  /** The output field it reads. */
  field: string;
}

/**
 * A placeholder that cannot be resolved (`UNRESOLVED_PLACEHOLDER`), one that is not a whole value
 * (nested in another, or embedded in text: `INVALID_PLACEHOLDER`), or input nested too deep
 * (`INPUT_TOO_DEEP`).
 */
export class PlaceholderError extends WfError {
  constructor(code: "UNRESOLVED_PLACEHOLDER" | "INVALID_PLACEHOLDER" | "INPUT_TOO_DEEP", message: string) {
    super(code, message);
  }
}

/** `input_data.a[0].b` for humans. */
export function formatInputPath(path: InputPath): string {
  return path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : `${text}.${part}`), "input_data");
}

/** The stage and field a string names, or `null` when it is not exactly a placeholder. */
export function parsePlaceholder(value: string): { stage: string; field: string } | null {
  const match = PLACEHOLDER_PATTERN.exec(value.trim());
  return match?.[1] && match[2] ? { stage: match[1], field: match[2] } : null;
}

function walk(value: unknown, path: (string | number)[], visit: (value: unknown, path: InputPath) => unknown): unknown {
  if (path.length > MAX_INPUT_DEPTH) {
    throw new PlaceholderError("INPUT_TOO_DEEP", `input_data is nested deeper than ${MAX_INPUT_DEPTH} levels`);
  }
  if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], visit));
  if (value !== null && typeof value === "object") {
    // fromEntries defines own properties, so a "__proto__" key in JSON stays a plain field.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key], visit)]));
  }
  return visit(value, path);
}

/** Every placeholder in `input` (any depth, arrays too). Throws `INVALID_PLACEHOLDER` for a string that holds `${{` but is not exactly one placeholder, `INPUT_TOO_DEEP` past {@link MAX_INPUT_DEPTH}. */
export function findPlaceholders(input: unknown): Placeholder[] {
  const found: Placeholder[] = [];
  walk(input, [], (value, path) => {
    const named = typeof value === "string" ? parsePlaceholder(value) : null;
    if (named) found.push({ path, ...named });
    // Anything else holding the opening marker would reach the node as literal text, which no
    // caller means: a placeholder inside a placeholder, or one embedded in a longer string.
    else if (typeof value === "string" && value.includes("${{")) {
      throw new PlaceholderError(
        "INVALID_PLACEHOLDER",
        `${formatInputPath(path)}: a placeholder must be the whole value, exactly \${{ stages.<task_name>.output.<field> }} (not nested in another or embedded in text)`,
      );
    }
    return value;
  });
  return found;
}

/**
 * Replaces every placeholder in `input` by the output field it names in `stages` (the task's
 * aggregated state). A missing stage or field throws `UNRESOLVED_PLACEHOLDER`, naming what exists.
 */
export function resolvePlaceholders<T>(input: T, stages: Readonly<Record<string, StageExecution>>): T {
  return walk(input, [], (value, path) => {
    const named = typeof value === "string" ? parsePlaceholder(value) : null;
    if (!named) return value;
    const stage = stages[named.stage];
    const where = formatInputPath(path);
    if (!stage) {
      const known = Object.keys(stages);
      throw new PlaceholderError(
        "UNRESOLVED_PLACEHOLDER",
        `${where} refers to stage ${named.stage}, which this task does not have (stages: ${known.length > 0 ? known.join(", ") : "none"})`,
      );
    }
    const output = stage.output ?? {};
    if (!Object.hasOwn(output, named.field)) {
      const fields = Object.keys(output);
      throw new PlaceholderError(
        "UNRESOLVED_PLACEHOLDER",
        `${where} refers to ${named.stage} output field ${named.field}, which it does not have (status ${stage.status}; available fields: ${fields.length > 0 ? fields.join(", ") : "none"})`,
      );
    }
    return output[named.field];
  }) as T;
}
