export { CALLBACK_DEFAULTS, CALLBACK_QUEUE, CallbackJobDataSchema, callbackJobOptions, type CallbackJobData, type CallbackStatus } from "./callback-job.js";
export { CancelMessageSchema, NodeJobDataSchema, queueNameOf, type CancelMessage, type NodeJobData } from "./node-job.js";
export {
  MAX_URL_LENGTH,
  UrlPolicyError,
  checkPublicUrl,
  isOwnAddress,
  isPrivateAddress,
  type CheckedUrl,
  type UrlPolicy,
} from "./net/public-url.js";
export { requestPinned, type PinnedRequestOptions } from "./net/pinned-request.js";
export {
  advancePipeline,
  pipelineCallbackJobId,
  type PipelineAdvance,
  type PipelineJobs,
  type PipelineStore,
} from "./pipeline/advance-pipeline.js";
export { WAITING_JOB_DELAY_MS, releaseWaitingJob } from "./pipeline/waiting-jobs.js";
export { createQueuePipelineJobs } from "./pipeline/queue-pipeline-jobs.js";
export { RedisEnvSchema, clusterConflictOf, sentinelSettingsOf, type RedisEnv, type SentinelSettings } from "./redis/redis-env.js";
