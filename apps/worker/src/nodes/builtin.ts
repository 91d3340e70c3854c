import type { NodeDefinition } from "./define-node.js";
import { extractAudioNode } from "./ffmpeg/extract-audio.js";

/** The nodes that ship with `@wf/worker` and that `wf-worker` runs by default. */
export const builtinNodes: readonly NodeDefinition[] = [extractAudioNode];
