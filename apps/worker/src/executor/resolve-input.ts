import { findPlaceholders, resolvePlaceholders, type StageExecution } from "@wf/context";
import { z } from "zod";
import type { FallbackSource, NodeDefinition } from "../nodes/define-node.js";

/** Whether resolving `input` needs the task's other stages (it has placeholders or the node has fallbacks). */
export function needsTaskState(node: NodeDefinition, input: Record<string, unknown>): boolean {
  return Object.keys(node.fallbacks ?? {}).length > 0 || findPlaceholders(input).length > 0;
}

function sourceOf(source: FallbackSource, field: string): { stage: string; field: string } {
  return typeof source === "string" ? { stage: source, field } : source;
}

/**
 * The input a node runs with: placeholders replaced by the stage outputs they name, then each
 * absent (or null) field that has fallbacks taken from the first listed stage that is `SUCCESS`
 * and has it. Throws (with a message for the node's `error`) when a placeholder or a required
 * fallback cannot be resolved.
 */
export function resolveNodeInput(
  node: NodeDefinition,
  input: Record<string, unknown>,
  stages: Readonly<Record<string, StageExecution>>,
): Record<string, unknown> {
  const resolved = resolvePlaceholders(input, stages);
  for (const [field, sources] of Object.entries(node.fallbacks ?? {})) {
    if (resolved[field] !== undefined && resolved[field] !== null) continue;
    const found = sources
      .map((source) => sourceOf(source, field))
      .find(({ stage, field: from }) => stages[stage]?.status === "SUCCESS" && stages[stage]?.output?.[from] != null);
    if (found) {
      resolved[field] = stages[found.stage]?.output?.[found.field];
      continue;
    }
    if (!isOptional(node, field)) {
      const tried = sources.map((source) => sourceOf(source, field)).map(({ stage, field: from }) => `${stage} (output ${from}: ${describeStage(stages[stage], from)})`);
      throw new Error(`input_data.${field} is missing and no earlier stage provides it; tried ${tried.join(", ")}`);
    }
  }
  return resolved;
}

function describeStage(stage: StageExecution | undefined, field: string): string {
  if (!stage) return "no such stage in this task";
  if (stage.status !== "SUCCESS") return `stage is ${stage.status}`;
  return stage.output?.[field] == null ? "field absent" : "present";
}

/** Whether the node's own schema accepts the field being absent (then a missing fallback is no error). */
function isOptional(node: NodeDefinition, field: string): boolean {
  return node.input instanceof z.ZodObject && (node.input.shape[field]?.safeParse(undefined).success ?? false);
}
