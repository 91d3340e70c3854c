import type { WfClient } from "@wf/client";
import { h } from "./dom.js";

/** Renders live workers and queue depth per service, and the shared resources (GPUs) with their holders, into `container`, refreshed every `everyMs`. */
export function watchServices(container: HTMLElement, client: () => WfClient, everyMs = 5_000): void {
  const refresh = async (): Promise<void> => {
    try {
      const { services } = await client().services();
      container.replaceChildren(
        ...services.map((service) =>
          h(
            "div",
            { class: "service", "data-service": service.service },
            h("strong", {}, service.service),
            h("span", {}, `${service.workers} worker${service.workers === 1 ? "" : "s"}`),
            h("span", { class: "depth" }, `${service.jobs.waiting} waiting · ${service.jobs.active} active · ${service.jobs.failed} failed`),
          ),
        ),
      );
      if (services.length === 0) container.replaceChildren(h("div", { class: "service" }, "no live workers"));
      const { resources } = await client().resources().catch(() => ({ resources: [] }));
      container.append(
        ...resources.map((resource) =>
          h(
            "div",
            { class: "service resource", "data-resource": resource.instance },
            h("strong", {}, resource.instance),
            h("span", {}, `${resource.holders.length}/${resource.slots ?? "?"} in use`),
            h("span", { class: "depth" }, `${resource.waiters.length} waiting`),
            ...resource.holders.map((holder) =>
              holder.task_id
                ? h("a", { href: `#/tasks/${encodeURIComponent(holder.task_id)}`, title: `${holder.worker}, since ${holder.since}` }, holder.task_name ?? holder.task_id)
                : h("span", {}, "another team's node"),
            ),
          ),
        ),
      );
    } catch {
      container.replaceChildren(h("div", { class: "service" }, "services unavailable"));
    }
  };
  void refresh();
  setInterval(() => void refresh(), everyMs);
}
