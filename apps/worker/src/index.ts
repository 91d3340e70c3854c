export { defineNode, type NodeContext, type NodeDefinition } from "./nodes/define-node.js";
export { startWorker, type RunningWorker, type StartWorkerOptions } from "./worker.js";
export { builtinNodes } from "./nodes/builtin.js";
export { extractAudioNode } from "./nodes/ffmpeg/extract-audio.js";
export { runFfmpeg } from "./ffmpeg/run-ffmpeg.js";
export { FfmpegError, InputError } from "./errors.js";
export type { ExecutionOutcome } from "./executor/execute-node.js";
export { createWorkerMetrics, serveMetrics, type WorkerMetrics } from "./metrics/worker-metrics.js";
