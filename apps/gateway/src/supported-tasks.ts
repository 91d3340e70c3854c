import { parseTaskName } from "@wf/context";

/** The nodes the gateway accepts until workers publish a registry: the worker's built-in nodes. */
export const DEFAULT_SUPPORTED_TASKS: readonly string[] = ["ffmpeg.extract_audio"];

/** Task names grouped by service, as `GET /v1/tasks/supported-tasks` answers them. */
export function groupByService(taskNames: readonly string[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const name of [...taskNames].sort()) {
    (grouped[parseTaskName(name).service] ??= []).push(name);
  }
  return grouped;
}
