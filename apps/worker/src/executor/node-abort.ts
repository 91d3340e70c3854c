/**
 * How a running node is stopped (cancelled, or past its deadline): an abort whose `AbortSignal`
 * is only made when something asks for it. Making an `AbortController` costs more than running
 * a short node, and most nodes only read the signal when they start a child process.
 */
export class NodeAbort {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;
  #listeners: ((reason: unknown) => void)[] = [];

  /** Whether the node was told to stop. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Why the node was told to stop (the first reason given), or `undefined`. */
  get reason(): unknown {
    return this.#reason;
  }

  /** The signal handed to the node's handler; already aborted when the node was told to stop. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Calls `listener` with the reason once the node is told to stop (at once if it was). */
  onAbort(listener: (reason: unknown) => void): void {
    if (this.#aborted) listener(this.#reason);
    else this.#listeners.push(listener);
  }

  /** Tells the node to stop; later calls change nothing. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    for (const listener of this.#listeners.splice(0)) listener(reason);
  }
}
