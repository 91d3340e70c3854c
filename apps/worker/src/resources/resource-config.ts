/** One resource instance a worker's machine has: `gpu:0` of kind `gpu`, with `slots` holders at once. */
export interface ResourceInstanceConfig {
  kind: string;
  /** The instance's name on its machine, e.g. `gpu:0`. */
  name: string;
  slots: number;
}

/**
 * Parses `WF_RESOURCES`: comma-separated `<kind>[:<id>]=<slots>` (`gpu:0=1,gpu:1=1`: two GPUs,
 * one holder each; `gpu=2`: one GPU, two holders). Throws a `RangeError` naming a bad entry.
 */
export function parseResources(value: string): ResourceInstanceConfig[] {
  const entries = value.split(",").map((entry) => entry.trim()).filter(Boolean);
  const seen = new Set<string>();
  return entries.map((entry) => {
    const match = /^([a-z][a-z0-9_-]{0,31})(?::([A-Za-z0-9._-]{1,32}))?=(\d{1,3})$/.exec(entry);
    const slots = Number(match?.[3]);
    if (!match || !(slots >= 1)) throw new RangeError(`WF_RESOURCES entry ${JSON.stringify(entry)}: expected <kind>[:<id>]=<slots>, e.g. gpu:0=1`);
    const name = match[2] === undefined ? (match[1] as string) : `${match[1]}:${match[2]}`;
    if (seen.has(name)) throw new RangeError(`WF_RESOURCES names ${name} twice`);
    seen.add(name);
    return { kind: match[1] as string, name, slots };
  });
}
