import type { WfClient } from "@wf/client";
import { h } from "./dom.js";

/** Renders live workers and queue depth per service into `container`, refreshed every `everyMs`. */
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
    } catch {
      container.replaceChildren(h("div", { class: "service" }, "services unavailable"));
    }
  };
  void refresh();
  setInterval(() => void refresh(), everyMs);
}
