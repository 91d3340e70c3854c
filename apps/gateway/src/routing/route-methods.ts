/** The methods registered for each route pattern, to answer a wrong method with 405 and `Allow`. */
export interface RouteMethods {
  /** Records a route as Fastify registers it (`onRoute`). */
  add(method: string | readonly string[], url: string): void;
  /** The methods of the routes matching a concrete path (trailing slash ignored); `[]` for none. */
  methodsOf(path: string): string[];
}

function patternOf(url: string): RegExp {
  const escaped = url
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${escaped}/?$`);
}

/** Creates an empty route table. */
export function createRouteMethods(): RouteMethods {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  return {
    add(method, url) {
      const entry = routes.get(url) ?? { pattern: patternOf(url), methods: new Set<string>() };
      for (const one of typeof method === "string" ? [method] : method) entry.methods.add(one.toUpperCase());
      routes.set(url, entry);
    },
    methodsOf(path) {
      const methods = new Set<string>();
      for (const { pattern, methods: own } of routes.values()) {
        if (pattern.test(path)) for (const method of own) methods.add(method);
      }
      return [...methods].sort();
    },
  };
}
