import type { TaskEvent, TaskResultResponse, WfClient } from "@wf/client";
import { formatDuration, h, showError, statusBadge } from "./dom.js";
import { renderGraph, type GraphNode } from "./pipeline-graph.js";

type Stage = TaskResultResponse["context"]["stages"][string];

interface NodeRow {
  status: HTMLElement;
  progress: HTMLElement;
  duration: HTMLElement;
  error: HTMLElement;
  output: HTMLElement;
}

function outputsOf(stage: Stage | undefined): string {
  return stage?.output ? JSON.stringify(stage.output, null, 2) : "—";
}

const dependenciesOf = (stage: Stage): string[] =>
  Array.isArray(stage["depends_on"]) ? stage["depends_on"].filter((name): name is string => typeof name === "string") : [];

/**
 * One task: its nodes as a graph (when it has several, or dependencies), and every node's status,
 * duration, progress, error and outputs, kept live from the task's event stream; cancel, retry and
 * delete buttons.
 */
export function renderTask(view: HTMLElement, client: WfClient, taskId: string, signal: AbortSignal): void {
  const message = h("div");
  const taskStatus = h("span", { id: "task-status" });
  const nodes = h("tbody");
  const rows = new Map<string, NodeRow>();
  const graph = h("div", { id: "graph" });
  const graphNodes = new Map<string, GraphNode>();
  const redraw = (): void => {
    const drawn = [...graphNodes.values()];
    const worthDrawing = drawn.length > 1 || drawn.some((node) => node.dependsOn.length > 0);
    graph.replaceChildren(...(worthDrawing ? [renderGraph(drawn)] : []));
  };
  const button = (label: string, action: () => Promise<unknown>) => {
    const element = h("button", { type: "button", "data-action": label.toLowerCase() }, label);
    element.addEventListener("click", () => {
      element.disabled = true;
      action()
        .catch((error: unknown) => showError(message, error))
        .finally(() => (element.disabled = false));
    });
    return element;
  };
  const refreshStatus = async (): Promise<void> => {
    const status = await client.status(taskId);
    taskStatus.replaceChildren(statusBadge(status.status));
  };

  // The task's own status follows its nodes: re-read at most every 300 ms while events arrive.
  let statusTimer: ReturnType<typeof setTimeout> | undefined;
  const statusSoon = (): void => {
    statusTimer ??= setTimeout(() => {
      statusTimer = undefined;
      if (!signal.aborted) refreshStatus().catch((error: unknown) => showError(message, error));
    }, 300);
  };

  const rowFor = (taskName: string): NodeRow => {
    let row = rows.get(taskName);
    if (!row) {
      row = { status: h("td"), progress: h("td"), duration: h("td"), error: h("td", { class: "error-text" }), output: h("td", {}, h("pre")) };
      rows.set(taskName, row);
      nodes.append(h("tr", { "data-node": taskName }, h("td", {}, taskName), row.status, row.progress, row.duration, row.error, row.output));
    }
    return row;
  };
  const showStage = (taskName: string, stage: Stage): void => {
    graphNodes.set(taskName, { name: taskName, status: stage.status, dependsOn: dependenciesOf(stage) });
    redraw();
    const row = rowFor(taskName);
    row.status.replaceChildren(statusBadge(stage.status));
    const progress = typeof stage["progress"] === "number" ? stage["progress"] : null;
    row.progress.replaceChildren(progress === null ? "—" : h("progress", { max: "100", value: String(progress) }));
    row.duration.textContent = formatDuration(stage.duration);
    row.error.textContent = stage.status === "IN_PROGRESS" && typeof stage["takeover"] === "string" ? `worker lost: ${stage["takeover"]}` : (stage.error ?? "");
    row.output.replaceChildren(h("pre", {}, outputsOf(stage)));
  };
  const showEvent = (event: TaskEvent): void => {
    const known = graphNodes.get(event.task_name);
    graphNodes.set(event.task_name, { name: event.task_name, status: event.status, dependsOn: known?.dependsOn ?? [] });
    redraw();
    const row = rowFor(event.task_name);
    row.status.replaceChildren(statusBadge(event.status));
    row.progress.replaceChildren(event.progress === null ? "—" : h("progress", { max: "100", value: String(event.progress) }));
    if (event.duration !== null) row.duration.textContent = formatDuration(event.duration);
    row.error.textContent = event.takeover ? `worker lost: ${event.takeover}` : (event.error ?? "");
  };

  const follow = async (): Promise<void> => {
    const result = await client.result(taskId);
    if (signal.aborted) return;
    taskStatus.replaceChildren(statusBadge(result.status));
    for (const [taskName, stage] of Object.entries(result.context.stages)) showStage(taskName, stage);
    const stream = client.events(taskId, { signal });
    for (let next = await stream.next(); !next.done; next = await stream.next()) {
      showEvent(next.value.event);
      statusSoon();
      if (["succeeded", "failed", "cancelled"].includes(next.value.event.type)) {
        // Outputs and the task's own status come with the full state.
        const latest = await client.result(taskId);
        for (const [taskName, stage] of Object.entries(latest.context.stages)) showStage(taskName, stage);
        taskStatus.replaceChildren(statusBadge(latest.status));
      }
    }
    await refreshStatus();
  };

  view.replaceChildren(
    h("p", {}, h("a", { href: "#/" }, "← all tasks")),
    h("h2", {}, "Task ", h("code", {}, taskId), " ", taskStatus),
    h(
      "div",
      { class: "actions" },
      button("Cancel", async () => {
        await client.cancel(taskId);
        await refreshStatus();
      }),
      button("Retry", async () => {
        const retried = await client.retry(taskId);
        location.hash = `#/tasks/${encodeURIComponent(retried.task_id)}`;
      }),
      button("Delete", async () => {
        if (!confirm(`Delete ${taskId}, its files and its state?`)) return;
        await client.delete(taskId, { force: true });
        location.hash = "#/";
      }),
    ),
    message,
    graph,
    h("table", { class: "nodes" }, h("thead", {}, h("tr", {}, ...["Node", "Status", "Progress", "Duration", "Error", "Output"].map((title) => h("th", {}, title)))), nodes),
  );
  follow().catch((error: unknown) => {
    if (!signal.aborted) showError(message, error);
  });
}
