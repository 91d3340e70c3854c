import { parseTaskName } from "@wf/context";

/** Task names grouped by service, as `GET /v1/tasks/supported-tasks` answers them. */
export function groupByService(taskNames: readonly string[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const name of [...taskNames].sort()) {
    (grouped[parseTaskName(name).service] ??= []).push(name);
  }
  return grouped;
}
