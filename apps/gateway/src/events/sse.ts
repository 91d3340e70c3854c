import type { ServerResponse } from "node:http";

/** Writes Server-Sent Events to a response whose headers it sends first. */
export interface SseWriter {
  /** Sends one event: `id:` when given, `event:` when not the default `message`, `data:` as JSON. */
  send(data: unknown, options?: { id?: string | null; event?: string }): void;
  /** Sends a comment line, which keeps proxies from closing an idle stream. */
  comment(text: string): void;
  end(): void;
}

/** Starts an SSE response (200, `text/event-stream`, no caching or proxy buffering). */
export function startSse(res: ServerResponse, headers: Record<string, string> = {}): SseWriter {
  res.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  return {
    send(data, options = {}) {
      let frame = "";
      if (options.id) frame += `id: ${options.id}\n`;
      if (options.event) frame += `event: ${options.event}\n`;
      res.write(`${frame}data: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      res.write(`: ${text}\n\n`);
    },
    end() {
      if (!res.writableEnded) res.end();
    },
  };
}
