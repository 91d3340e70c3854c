import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TaskEvent as ContextTaskEvent } from "@wf/context";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createWfClient, isWfApiError, WfApiError, WfTimeoutError, type TaskEvent } from "../src/index.js";

// The client against a real HTTP server that answers as the gateway does on the wire (the
// e2e tests run it against the real gateway): error bodies, and an event stream that drops.

const event = (taskName: string, type: TaskEvent["type"], status: TaskEvent["status"]): TaskEvent => ({
  type,
  task_id: "task-1",
  task_name: taskName,
  status,
  progress: null,
  error: null,
  callback_status: null,
  duration: null,
  updated_at: "2026-11-30T00:00:00.000Z",
});

let server: Server;
let base: string;
const seenLastEventIds: (string | undefined)[] = [];
const seenOutageIds: (string | undefined)[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "";
  if (url === "/v1/tasks/task-404/status") {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "TASK_NOT_FOUND", message: "task task-404 not found" }, detail: "task task-404 not found" }));
  } else if (url === "/v1/tasks/task-1/events") {
    const lastEventId = req.headers["last-event-id"] as string | undefined;
    seenLastEventIds.push(lastEventId);
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (lastEventId === undefined) {
      // The first connection sends two events, then drops without an end.
      res.write(`id: 1-0\ndata: ${JSON.stringify(event("a.one", "created", "PENDING"))}\n\n`);
      res.write(`id: 2-0\ndata: ${JSON.stringify(event("a.one", "running", "IN_PROGRESS"))}\n\n`);
      setTimeout(() => res.socket?.destroy(), 50);
    } else {
      res.write(": keep-alive\n\n");
      res.write(`id: 3-0\ndata: ${JSON.stringify(event("a.one", "succeeded", "SUCCESS"))}\n\n`);
      res.end(`event: end\ndata: {"reason":"finished"}\n\n`);
    }
  } else if (url === "/v1/tasks/task-outage/events") {
    // The gateway lost Redis on the first connection and says so; the second one ends the task.
    const lastEventId = req.headers["last-event-id"] as string | undefined;
    seenOutageIds.push(lastEventId);
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (lastEventId === undefined) {
      res.write(`id: 1-0\ndata: ${JSON.stringify(event("a.one", "running", "IN_PROGRESS"))}\n\n`);
      res.end(`: waiting for redis\n\nevent: end\ndata: {"reason":"error"}\n\n`);
    } else {
      res.write(`id: 2-0\ndata: ${JSON.stringify(event("a.one", "succeeded", "SUCCESS"))}\n\n`);
      res.end(`event: end\ndata: {"reason":"finished"}\n\n`);
    }
  } else if (url === "/v1/tasks/task-slow/events") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`id: 1-0\ndata: ${JSON.stringify(event("a.one", "running", "IN_PROGRESS"))}\n\n`);
  } else {
    res.writeHead(500).end("not json");
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("@wf/client", () => {
  it("turns an error answer into a WfApiError with the gateway's code", async () => {
    const client = createWfClient({ baseUrl: `${base}/` });
    const error = await client.status("task-404").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WfApiError);
    expect(isWfApiError(error, "TASK_NOT_FOUND")).toBe(true);
    expect(error).toMatchObject({ status: 404, code: "TASK_NOT_FOUND", message: "task task-404 not found" });
    // An answer without our body still gets a code.
    await expect(client.result("task-500")).rejects.toMatchObject({ status: 500, code: "HTTP_500" });
  });

  it("follows events across a dropped connection, resuming after the last event id", async () => {
    const client = createWfClient({ baseUrl: base });
    const stream = client.events("task-1");
    const received: (string | null)[] = [];
    let next = await stream.next();
    while (!next.done) {
      received.push(next.value.id);
      next = await stream.next();
    }
    expect(received).toEqual(["1-0", "2-0", "3-0"]);
    expect(next.value).toBe("finished");
    expect(seenLastEventIds).toEqual([undefined, "2-0"]);
  });

  it("resumes after the gateway ends a stream with error (Redis away too long), and only then gives up", async () => {
    const client = createWfClient({ baseUrl: base });
    const received: string[] = [];
    const stream = client.events("task-outage");
    let next = await stream.next();
    for (; !next.done; next = await stream.next()) received.push(next.value.event.status);
    expect(received).toEqual(["IN_PROGRESS", "SUCCESS"]);
    expect(next.value).toBe("finished");
    expect(seenOutageIds).toEqual([undefined, "1-0"]);
    // With no reconnection left, the error is the end.
    const once = client.events("task-outage", { reconnects: 0 });
    let last = await once.next();
    while (!last.done) last = await once.next();
    expect(last.value).toBe("error");
  });

  it("waitFor gives up with WfTimeoutError after timeoutMs", async () => {
    const client = createWfClient({ baseUrl: base });
    const started = Date.now();
    const error = await client.waitFor("task-slow", { timeoutMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WfTimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("declares the event shape of @wf/context", () => {
    expectTypeOf<TaskEvent>().toEqualTypeOf<ContextTaskEvent>();
  });
});
