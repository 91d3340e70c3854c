import { randomUUID } from "node:crypto";
import type { WorkflowContext } from "@wf/context";
import type { FastifyBaseLogger } from "fastify";
import type { Principal } from "../auth/principal.js";
import type { GatewayDeps } from "../deps.js";
import { planNodes, type RequestedNode } from "./plan-nodes.js";
import { startNodes } from "./start-node.js";

/** A pipeline request, once its task is read and the caller may act on it. */
export interface PipelineSubmission {
  taskId: string;
  /** The task as it is (null: a new task). */
  existing: WorkflowContext | null;
  owner: string | null;
  nodes: readonly RequestedNode[];
  callbackUrl: string | null;
  principal: Principal;
  /** `false`: the request turned output uploads off. */
  uploadOutputs?: boolean | undefined;
}

/** What became of one node of a pipeline request. */
export interface NodeOutcome {
  task_name: string;
  state: "queued" | "waiting" | "reused" | "running";
  waiting_for: string[];
}

/**
 * Runs a pipeline request on a task: validates every node (nothing is written if one is wrong),
 * keeps the task's nodes that succeeded (`reused`) or are under way (`running`), and starts the
 * rest in one atomic step, each held until its dependencies succeed. So posting a pipeline again
 * on its task re-runs exactly what did not succeed.
 */
export async function submitPipeline(deps: GatewayDeps, submission: PipelineSubmission, log: FastifyBaseLogger) {
  const { taskId, existing } = submission;
  const planned = await planNodes(deps, submission.nodes, existing, { taskId, principal: submission.principal });
  const stages = existing?.stages ?? {};
  const kept = (name: string): NodeOutcome["state"] | undefined => {
    const status = stages[name]?.status;
    if (status === "SUCCESS") return "reused";
    return status === "PENDING" || status === "IN_PROGRESS" ? "running" : undefined;
  };
  const toStart = planned.filter((node) => kept(node.taskName) === undefined);
  const started =
    toStart.length === 0
      ? { queued: [], waiting: new Map<string, string[]>() }
      : await startNodes(
          deps,
          {
            taskId,
            nodes: toStart.map((node) => ({ taskName: node.taskName, inputData: node.inputData, dependsOn: node.dependsOn, previous: stages[node.taskName] })),
            stages,
            callbackUrl: submission.callbackUrl,
            createAt: existing?.create_at,
            existingTask: existing !== null,
            principal: submission.principal,
            owner: submission.owner,
            pipelineId: randomUUID().slice(0, 8),
            uploadOutputs: submission.uploadOutputs,
          },
          log,
        );
  const nodes: NodeOutcome[] = planned.map((node) => {
    const waitingFor = started.waiting.get(node.taskName);
    const state = kept(node.taskName) ?? (waitingFor ? "waiting" : "queued");
    return { task_name: node.taskName, state, waiting_for: waitingFor ?? [] };
  });
  const allReused = nodes.every((node) => node.state === "reused");
  const count = (state: NodeOutcome["state"]) => nodes.filter((node) => node.state === state).length;
  return {
    task_id: taskId,
    status: allReused ? ("completed" as const) : ("pending" as const),
    message: allReused
      ? "every node of the pipeline already succeeded; nothing was run"
      : `pipeline is queued: ${count("queued")} started, ${count("waiting")} waiting, ${count("reused")} reused, ${count("running")} already under way`,
    nodes,
  };
}
