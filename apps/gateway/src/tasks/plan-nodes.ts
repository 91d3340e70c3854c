import { PlaceholderError, findCycle, findPlaceholders, formatInputPath, isTerminalStageStatus, type Placeholder, type WorkflowContext } from "@wf/context";
import type { Principal } from "../auth/principal.js";
import type { GatewayDeps } from "../deps.js";
import { ApiError } from "../errors/api-error.js";
import { inputPathProblems } from "./check-input-paths.js";

/** A node as a request names it: `POST /v1/tasks` (one, or each of `nodes`), or a retry. */
export interface RequestedNode {
  task_name: string;
  input_data: Record<string, unknown>;
  /** Nodes it must run after, besides those its placeholders and fallbacks read. */
  after?: readonly string[] | undefined;
}

/** A validated node and the stages it waits for. */
export interface PlannedNode {
  taskName: string;
  inputData: Record<string, unknown>;
  /**
   * Every stage it depends on (its placeholders' stages, its fallbacks' stages that are part of
   * the request or still running in the task, and its `after` list), sorted.
   */
  dependsOn: string[];
}

/** Whose nodes these are: the task they join (its own folder is readable) and the caller (its team's input roots). */
export interface PlanScope {
  taskId: string;
  principal: Principal;
}

/** One thing wrong with a request, as an `ApiError` would say it. */
interface Problem {
  code: string;
  message: string;
  detail: string;
}

function placeholdersOf(inputData: unknown): Placeholder[] | Problem {
  try {
    return findPlaceholders(inputData);
  } catch (error) {
    if (error instanceof PlaceholderError) return { code: "INVALID_INPUT", message: error.message, detail: `input_data: ${error.message}` };
    throw error;
  }
}

const isMissing = (value: unknown): boolean => value === undefined || value === null;

/**
 * Validates every node of a request against the live workers' catalog and the task as it is, and
 * works out what each depends on. Nothing is written. Refuses with 400 (all problems at once,
 * each naming its node when the request has several): a node no live worker runs, input that
 * fails its schema, a placeholder or `after` naming a stage that is neither in the request nor in
 * the task, a local input path that can never be read (see `inputPathProblems`), and a cycle.
 */
export async function planNodes(deps: GatewayDeps, requested: readonly RequestedNode[], task: WorkflowContext | null, scope: PlanScope): Promise<PlannedNode[]> {
  const teamRoots = scope.principal.kind === "team" ? scope.principal.entry.input_roots : undefined;
  const pathScope = { taskId: scope.taskId, sharedRoot: deps.sharedRoot, roots: deps.inputRoots, teamRoots };
  const inRequest = new Set(requested.map((node) => node.task_name));
  const taskId = task?.workflow_id;
  const inTask = (name: string): boolean => task !== null && name in task.stages;
  const several = requested.length > 1;
  const problems: Problem[] = [];
  const planned: PlannedNode[] = [];
  const theTask = taskId ? `task ${taskId}` : "a new task";
  const nowhere = (name: string): string =>
    several
      ? `${name}, which is neither a node of this request nor a stage of ${taskId ? theTask : "the task"}`
      : `${name}, which ${theTask} does not have; submit the nodes it reads first, or together (POST /v1/tasks with nodes)`;

  for (const node of requested) {
    const name = node.task_name;
    const problem = (code: string, message: string, detail: string) => problems.push({ code, message: several ? `${name}: ${message}` : message, detail: several ? `${name}: ${detail}` : detail });
    const catalog = await deps.nodes.get(name);
    if (!catalog) {
      problem("UNKNOWN_TASK_NAME", `task_name ${name} is not run by any live worker; see GET /v1/tasks/supported-tasks`, `task_name: ${name} is not run by any live worker`);
      continue;
    }
    const placeholders = placeholdersOf(node.input_data);
    if (!Array.isArray(placeholders)) {
      problem(placeholders.code, placeholders.message, placeholders.detail);
      continue;
    }
    const dependsOn = new Set<string>();
    for (const placeholder of placeholders) {
      const where = formatInputPath(placeholder.path);
      if (inRequest.has(placeholder.stage) || inTask(placeholder.stage)) {
        dependsOn.add(placeholder.stage);
      } else if (!(await deps.nodes.get(placeholder.stage))) {
        problem("INVALID_INPUT", `${where} refers to stage ${placeholder.stage}, which no live worker runs; see GET /v1/tasks/supported-tasks`, `${where}: unknown stage ${placeholder.stage}`);
      } else {
        problem("INVALID_INPUT", `${where} refers to stage ${nowhere(placeholder.stage)}`, `${where}: stage ${placeholder.stage} is not in the task`);
      }
    }
    for (const [field, stages] of Object.entries(catalog.fallbacks)) {
      // A fallback is read only for a field the request leaves out: its stages that are coming
      // (in the request, or not yet final in the task) are waited for.
      if (!isMissing(node.input_data[field])) continue;
      for (const stage of stages) {
        const stored = task?.stages[stage];
        if (stage !== name && (inRequest.has(stage) || (stored !== undefined && !isTerminalStageStatus(stored.status)))) dependsOn.add(stage);
      }
    }
    for (const stage of node.after ?? []) {
      if (inRequest.has(stage) || inTask(stage)) dependsOn.add(stage);
      else problem("INVALID_INPUT", `after names ${nowhere(stage)}`, `after: ${stage} is not in the task`);
    }
    for (const refused of inputPathProblems(node.input_data, pathScope)) {
      problem("INVALID_INPUT", `${refused.where} ${refused.message}`, `${refused.where}: ${refused.message}`);
    }
    const issues = catalog.validate(node.input_data, placeholders.map((placeholder) => placeholder.path));
    if (issues.length > 0) {
      problem("INVALID_INPUT", `invalid input_data for ${name}: ${issues.join("; ")}`, issues.map((issue) => `input_data.${issue}`).join("; "));
    }
    planned.push({ taskName: name, inputData: node.input_data, dependsOn: [...dependsOn].sort() });
  }
  if (problems.length === 0) {
    const cycle = findCycle(new Map(planned.map((node) => [node.taskName, node.dependsOn])));
    if (cycle) {
      const text = cycle.join(" -> ");
      problems.push({ code: "INVALID_PIPELINE", message: `the nodes depend on each other in a cycle: ${text}`, detail: `cycle: ${text}` });
    }
  }
  const [first] = problems;
  if (first) {
    const message = problems.length === 1 ? first.message : `${problems.length} problems: ${problems.map((entry) => entry.message).join("; ")}`;
    throw new ApiError(400, first.code, message, problems.map((entry) => entry.detail));
  }
  return planned;
}
