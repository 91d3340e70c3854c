import { createParser, type EventSourceMessage } from "eventsource-parser";
import { errorOfResponse } from "./errors.js";

/** What happened to a node (`data` of a task event); the same shape as `TaskEvent` of `@wf/context`. */
export interface TaskEvent {
  type: "created" | "running" | "succeeded" | "failed" | "cancelled" | "callback";
  task_id: string;
  task_name: string;
  status: "PENDING" | "IN_PROGRESS" | "SUCCESS" | "FAILED" | "CANCELLED";
  progress: number | null;
  error: string | null;
  callback_status: string | null;
  duration: number | null;
  updated_at: string;
  /** Only while a running node has lost its worker: what happens next. */
  takeover?: string | undefined;
}

/** One event of a task's stream, with its id (pass it as `lastEventId` to resume after it). */
export interface TaskStreamEvent {
  id: string | null;
  event: TaskEvent;
}

/** Options of `events`. */
export interface EventsOptions {
  /** Resume after this event instead of starting from the current state. */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Reconnections (with the last event id) after the connection drops. Default 3. */
  reconnects?: number;
}

/**
 * Why the stream ended: every node final (`finished`), the task deleted (`deleted`), or the
 * gateway lost Redis for longer than it waits and every reconnection ended the same way (`error`).
 */
export type StreamEnd = "finished" | "deleted" | "error";

async function* readMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => queue.push(message) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift() as EventSourceMessage;
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}

/**
 * Follows `GET /v1/tasks/:id/events`: yields each node event until the gateway ends the stream
 * (returns why), reconnecting with `Last-Event-ID` when the connection drops or the gateway
 * ends it with `error`.
 */
export async function* followEvents(
  open: (lastEventId: string | undefined, signal: AbortSignal | undefined) => Promise<Response>,
  options: EventsOptions = {},
): AsyncGenerator<TaskStreamEvent, StreamEnd> {
  let lastEventId = options.lastEventId;
  let reconnects = options.reconnects ?? 3;
  for (;;) {
    const response = await open(lastEventId, options.signal);
    if (!response.ok || !response.body) throw await errorOfResponse(response);
    try {
      for await (const message of readMessages(response.body)) {
        if (message.event === "end") {
          const reason = (JSON.parse(message.data) as { reason?: StreamEnd }).reason ?? "finished";
          // The gateway gave up on Redis (away longer than it waits): resume like after a drop.
          if (reason === "error" && reconnects > 0) break;
          return reason;
        }
        if (message.id) lastEventId = message.id;
        yield { id: message.id ?? null, event: JSON.parse(message.data) as TaskEvent };
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
    }
    if (options.signal?.aborted) throw options.signal.reason;
    if (reconnects-- <= 0) throw new Error("the task event stream dropped and could not be resumed");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
