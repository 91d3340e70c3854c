import type { ListTasksQuery, TaskSummary, WfClient } from "@wf/client";
import { h, showError, statusBadge } from "./dom.js";

const STATUSES = ["", "pending", "running", "completed", "failed", "cancelled"] as const;

function taskRow(task: TaskSummary): HTMLElement {
  return h(
    "tr",
    { "data-task-id": task.task_id },
    h("td", {}, h("a", { href: `#/tasks/${encodeURIComponent(task.task_id)}` }, task.task_id)),
    h("td", {}, statusBadge(task.status)),
    h("td", {}, task.nodes.map((node) => node.task_name).join(", ")),
    h("td", {}, task.create_at ? new Date(task.create_at).toLocaleString() : "—"),
    h("td", {}, task.updated_at ? new Date(task.updated_at).toLocaleString() : "—"),
  );
}

/** The task list: filters by status and node, newest first, pages by cursor; refreshed every few seconds. */
export function renderList(view: HTMLElement, client: WfClient, signal: AbortSignal): void {
  const status = h("select", { name: "status", "aria-label": "Status" }, ...STATUSES.map((value) => h("option", { value }, value || "any status")));
  const taskName = h("input", { name: "task_name", placeholder: "node, e.g. ffmpeg.extract_audio", "aria-label": "Node" });
  const rows = h("tbody");
  const more = h("button", { type: "button", hidden: "" }, "Older tasks");
  const message = h("div");
  let cursor: string | null = null;

  const load = async (append: boolean): Promise<void> => {
    const query: ListTasksQuery = { limit: 25 };
    if (status.value) query.status = status.value as NonNullable<ListTasksQuery["status"]>;
    if (taskName.value.trim()) query.task_name = taskName.value.trim();
    if (append && cursor) query.cursor = cursor;
    try {
      const page = await client.list(query);
      if (signal.aborted) return;
      message.replaceChildren();
      if (!append) rows.replaceChildren();
      rows.append(...page.tasks.map(taskRow));
      if (rows.childElementCount === 0) rows.append(h("tr", {}, h("td", { colspan: "5" }, "no tasks")));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
    } catch (error) {
      showError(message, error);
    }
  };

  status.addEventListener("change", () => void load(false));
  taskName.addEventListener("change", () => void load(false));
  more.addEventListener("click", () => void load(true));
  view.replaceChildren(
    h("h2", {}, "Tasks"),
    filters(status, taskName),
    message,
    h("table", { class: "tasks" }, h("thead", {}, h("tr", {}, ...["Task", "Status", "Nodes", "Created", "Updated"].map((title) => h("th", {}, title)))), rows),
    more,
  );
  void load(false);
  // Only the first page refreshes by itself, so paging through older tasks is not disturbed.
  const timer = setInterval(() => {
    if (cursor === null || rows.childElementCount <= 25) void load(false);
  }, 3_000);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

function filters(...fields: HTMLElement[]): HTMLFormElement {
  const form = h("form", { class: "filters" }, ...fields);
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}
