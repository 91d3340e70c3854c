import { connect, createServer } from "node:net";

/** A TCP proxy that can delay and cut a link (see {@link startTcpProxy}). */
export interface TcpProxyHandle {
  port: number;
  /** Stops delivering, keeping what is sent, as a partitioned link does. */
  cut(): void;
  /** Delivers what was held and carries on, as TCP's retransmissions do once a link heals. */
  heal(): void;
  close(): void;
}

/**
 * A TCP proxy on `host` to `127.0.0.1:targetPort` that holds every chunk `delayMs` in each
 * direction (latency, where the kernel has no `tc netem`) and can be cut and healed.
 */
export async function startTcpProxy(targetPort: number, options: { host?: string; delayMs?: number } = {}): Promise<TcpProxyHandle> {
  const delayMs = options.delayMs ?? 0;
  let cut = false;
  const held: (() => void)[] = [];
  const deliver = (send: () => void) => (cut ? held.push(send) : delayMs > 0 ? setTimeout(send, delayMs) : send());
  const server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      from.on("data", (chunk) => deliver(() => to.write(chunk)));
      from.on("error", () => to.destroy());
      from.on("close", () => deliver(() => to.destroy()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => {
      cut = true;
    },
    heal: () => {
      cut = false;
      for (const send of held.splice(0)) send();
    },
    close: () => server.close(),
  };
}
