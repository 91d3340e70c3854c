/** Creates an element with attributes and children; text is always set as text, never as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}

/** Seconds as `1.2 s` / `3 min 4 s`; an em dash when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** A status badge (`data-status` drives its colour). */
export function statusBadge(status: string | null): HTMLElement {
  return h("span", { class: "status", "data-status": (status ?? "unknown").toLowerCase() }, (status ?? "unknown").toLowerCase());
}

/** Shows an error message in `container` (the gateway's code and message when it sent them). */
export function showError(container: HTMLElement, error: unknown): void {
  const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : "";
  const message = error instanceof Error ? error.message : String(error);
  container.replaceChildren(h("p", { class: "error", role: "alert" }, code ? `${code}: ${message}` : message));
}
