import { CancelMessageSchema } from "@wf/protocol";
import type { RedisConnection } from "@wf/state-redis";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";

/** Cancels a running node on this worker; returns whether it was running here. */
export type CancelRunning = (taskId: string, taskName: string) => boolean;

/**
 * Subscribes to the cancel channel and hands every well-formed message to `cancel`. A dedicated
 * connection is used, as Redis requires for a subscriber.
 */
export async function listenForCancellations(options: {
  redis: RedisConnection;
  channel: string;
  cancel: CancelRunning;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const subscriber: RedisConnection = options.redis.isCluster
    ? (options.redis as Cluster).duplicate()
    : (options.redis as Redis).duplicate();
  subscriber.on("error", (error: unknown) => options.logger.warn({ err: error }, "cancel subscriber error"));
  subscriber.on("message", (_channel: string, message: string) => {
    let parsed;
    try {
      parsed = CancelMessageSchema.safeParse(JSON.parse(message));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      options.logger.warn({ message }, "ignoring a malformed cancel message");
      return;
    }
    if (options.cancel(parsed.data.task_id, parsed.data.task_name)) {
      options.logger.info({ taskId: parsed.data.task_id, node: parsed.data.task_name }, "cancelling running node");
    }
  });
  await subscriber.subscribe(options.channel);
  return {
    async stop() {
      await subscriber.quit();
    },
  };
}
