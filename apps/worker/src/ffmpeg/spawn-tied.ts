import { spawn, type ChildProcessByStdio } from "node:child_process";
import { accessSync, constants } from "node:fs";
import type { Readable } from "node:stream";

const SETPRIV = "/usr/bin/setpriv";

function findSetpriv(): string | null {
  if (process.platform !== "linux") return null;
  try {
    accessSync(SETPRIV, constants.X_OK);
    return SETPRIV;
  } catch {
    return null;
  }
}

let setpriv: string | null | undefined;

/**
 * Spawns `bin` so that it cannot outlive this process: on Linux it runs under util-linux's
 * `setpriv --pdeathsig KILL`, which asks the kernel to SIGKILL it the moment its parent (this
 * worker) dies, even by SIGKILL, and then execs `bin` in its place (same pid). Where `setpriv`
 * is missing the child is spawned directly (a SIGKILLed worker may then leave it running).
 */
export function spawnTied(bin: string, args: readonly string[]): ChildProcessByStdio<null, Readable, Readable> {
  setpriv ??= findSetpriv();
  const [command, argv] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", bin, ...args]] : [bin, [...args]];
  return spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
}
