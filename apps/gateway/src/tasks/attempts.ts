import type { StageExecution } from "@wf/context";

/** Attempts of a node remembered in its stage (`job_history`), so a delete finds their jobs. */
const MAX_REMEMBERED_ATTEMPTS = 20;

/** Every job id a node's stage names: its current attempt's and the earlier ones'. */
export function attemptJobIds(stage: StageExecution | undefined): string[] {
  if (!stage) return [];
  const history = Array.isArray(stage["job_history"]) ? stage["job_history"].filter((id): id is string => typeof id === "string") : [];
  const current = typeof stage["job_id"] === "string" ? [stage["job_id"]] : [];
  return [...new Set([...history, ...current])];
}

/** The `job_history` of a new attempt replacing `previous`: the earlier attempts' job ids, most recent last. */
export function jobHistoryAfter(previous: StageExecution | undefined): string[] {
  return attemptJobIds(previous).slice(-MAX_REMEMBERED_ATTEMPTS);
}
