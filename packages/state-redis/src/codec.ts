import { safeParseWorkflowContext, type WorkflowContext } from "@wf/context";

/** Serialises a context to the JSON stored in Redis. */
export function encodeContext(context: WorkflowContext): string {
  return JSON.stringify(context);
}

/** Result of {@link decodeContext}: a context, or why the stored value is unusable. */
export type DecodeResult = { ok: true; context: WorkflowContext } | { ok: false; reason: string };

/** Parses and validates a stored node value; never throws. */
export function decodeContext(raw: string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const parsed = safeParseWorkflowContext(json);
  return parsed.success ? { ok: true, context: parsed.data } : { ok: false, reason: parsed.issues.join("; ") };
}
