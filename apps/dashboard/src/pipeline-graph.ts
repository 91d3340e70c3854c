/** A node of a task as the graph draws it. */
export interface GraphNode {
  name: string;
  /** Its stage status (`PENDING`, `IN_PROGRESS`, `SUCCESS`, `FAILED`, `CANCELLED`). */
  status: string;
  /** The nodes it depends on (its stage's `depends_on`). */
  dependsOn: readonly string[];
}

const BOX = { width: 190, height: 40, gapX: 70, gapY: 18, margin: 10 } as const;
const SVG = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/**
 * Each node's column: 0 for a node that depends on nothing in the graph, else one more than its
 * furthest dependency (the graph has no cycles: the gateway refuses them).
 */
export function columnsOf(nodes: readonly GraphNode[]): Map<string, number> {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const columns = new Map<string, number>();
  const columnOf = (name: string, depth: number): number => {
    const known = columns.get(name);
    if (known !== undefined) return known;
    const node = byName.get(name);
    const inGraph = node && depth < nodes.length ? node.dependsOn.filter((dependency) => byName.has(dependency)) : [];
    const column = inGraph.length === 0 ? 0 : 1 + Math.max(...inGraph.map((dependency) => columnOf(dependency, depth + 1)));
    columns.set(name, column);
    return column;
  };
  for (const node of nodes) columnOf(node.name, 0);
  return columns;
}

/**
 * The task's nodes as a graph (SVG): a box per node coloured by its status, an arrow per
 * dependency, and the edges a waiting node still waits on highlighted (`.edge.waiting`).
 */
export function renderGraph(nodes: readonly GraphNode[]): SVGSVGElement {
  const columns = columnsOf(nodes);
  const rows = new Map<number, number>();
  const position = new Map<string, { x: number; y: number }>();
  for (const node of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const column = columns.get(node.name) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    position.set(node.name, { x: BOX.margin + column * (BOX.width + BOX.gapX), y: BOX.margin + row * (BOX.height + BOX.gapY) });
  }
  const width = BOX.margin * 2 + (Math.max(0, ...columns.values()) + 1) * (BOX.width + BOX.gapX) - BOX.gapX;
  const height = BOX.margin * 2 + Math.max(1, ...rows.values()) * (BOX.height + BOX.gapY) - BOX.gapY;
  const status = new Map(nodes.map((node) => [node.name, node.status]));
  const edges = nodes.flatMap((node) =>
    node.dependsOn.flatMap((dependency) => {
      const from = position.get(dependency);
      const to = position.get(node.name);
      if (!from || !to) return [];
      const waiting = node.status === "PENDING" && status.get(dependency) !== "SUCCESS";
      const [x1, y1, x2, y2] = [from.x + BOX.width, from.y + BOX.height / 2, to.x, to.y + BOX.height / 2];
      const bend = (x2 - x1) / 2;
      return [
        svg("path", {
          class: waiting ? "edge waiting" : "edge",
          "data-from": dependency,
          "data-to": node.name,
          d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2 - 6} ${y2}`,
          "marker-end": waiting ? "url(#arrow-waiting)" : "url(#arrow)",
        }),
      ];
    }),
  );
  const boxes = nodes.map((node) => {
    const at = position.get(node.name) ?? { x: 0, y: 0 };
    const unmet = node.status === "PENDING" ? node.dependsOn.filter((dependency) => status.get(dependency) !== "SUCCESS") : [];
    const label = unmet.length > 0 ? `waiting for ${unmet.join(", ")}` : node.status.toLowerCase();
    return svg(
      "g",
      { class: "graph-node", "data-node": node.name, "data-status": node.status.toLowerCase(), transform: `translate(${at.x} ${at.y})` },
      svg("rect", { width: BOX.width, height: BOX.height, rx: 6 }),
      svg("text", { x: 10, y: 17, class: "graph-name" }, node.name),
      svg("text", { x: 10, y: 32, class: "graph-status" }, label),
    );
  });
  const marker = (id: string) =>
    svg("marker", { id, viewBox: "0 0 10 10", refX: 4, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, svg("path", { d: "M 0 0 L 10 5 L 0 10 z" }));
  return svg(
    "svg",
    { class: "graph", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "the task's nodes and their dependencies" },
    svg("defs", {}, marker("arrow"), marker("arrow-waiting")),
    ...edges,
    ...boxes,
  );
}
