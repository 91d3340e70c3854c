import type { z } from "zod";
import { InvalidContextError } from "./errors.js";
import { CanonicalWorkflowContextSchema, WorkflowContextSchema, type WorkflowContext } from "./workflow-context.js";

/** Flattens zod issues to `path: message` strings, e.g. `stages.a.status: Invalid option`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/** Result of {@link safeParseWorkflowContext}. */
export type ParseResult<T> = { success: true; data: T } | { success: false; issues: string[] };

/** Validates and normalises an unknown value as a `WorkflowContext`, without throwing. */
export function safeParseWorkflowContext(value: unknown): ParseResult<WorkflowContext> {
  // What wf itself wrote is canonical and passes the cheaper strict schema (no status
  // normalisation); only other writers' values need the lenient one. Both give the same output.
  const canonical = CanonicalWorkflowContextSchema.safeParse(value);
  if (canonical.success) return { success: true, data: canonical.data };
  const parsed = WorkflowContextSchema.safeParse(value);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, issues: formatIssues(parsed.error) };
}

/** Validates and normalises a `WorkflowContext`; throws {@link InvalidContextError} listing every issue. */
export function parseWorkflowContext(value: unknown): WorkflowContext {
  const parsed = safeParseWorkflowContext(value);
  if (!parsed.success) {
    throw new InvalidContextError(`invalid WorkflowContext: ${parsed.issues.join("; ")}`, parsed.issues);
  }
  return parsed.data;
}
