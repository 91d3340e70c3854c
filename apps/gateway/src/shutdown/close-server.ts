import type { FastifyInstance } from "fastify";

/**
 * Closes the app gracefully: stops accepting, lets in-flight requests finish, and keeps closing
 * keep-alive connections as they turn idle (Node closes only those idle at the moment `close`
 * starts; one that finishes its request a moment later would otherwise hold the server open for
 * the whole keep-alive timeout). After `timeoutMs`, whatever is left is cut.
 */
export async function closeServer(app: FastifyInstance, timeoutMs: number): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => app.server.closeAllConnections(), timeoutMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
