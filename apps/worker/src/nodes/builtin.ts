import type { NodeDefinition } from "./define-node.js";
import { extractAudioNode } from "./ffmpeg/extract-audio.js";
import { extractKeyframesNode } from "./ffmpeg/extract-keyframes.js";
import { splitAudioSegmentsNode } from "./ffmpeg/split-audio-segments.js";

/** The nodes that ship with `@wf/worker` and that `wf-worker` runs by default. */
export const builtinNodes: readonly NodeDefinition[] = [extractAudioNode, splitAudioSegmentsNode, extractKeyframesNode];
