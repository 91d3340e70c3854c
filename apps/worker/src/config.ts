import { resolve } from "node:path";
import { ObjectStoreEnvSchema } from "@wf/object-store";
import { RedisEnvSchema } from "@wf/protocol";
import { parseResources } from "./resources/resource-config.js";
import { z } from "zod";

const pathList = z
  .string()
  .transform((value) => value.split(":").filter(Boolean).map((path) => resolve(path)));

/** Environment of `wf-worker`, validated at start-up. */
export const WorkerEnvSchema = z.object({
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** REDIS_URL names one node of a Redis Cluster: keys are hash-tagged, queues use the `{bull}` prefix. */
  WF_REDIS_CLUSTER: z.stringbool().default(false),
  WF_SHARED_ROOT: z.string().min(1).default("/share/workflows").transform((path) => resolve(path)),
  /** Colon-separated folders local inputs may come from; default: the shared root. */
  WF_INPUT_ROOTS: pathList.optional(),
  /** How long a running job's lock lasts without renewal (BullMQ's `lockDuration`): a worker gone this long loses its job to another. */
  WF_JOB_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  /** How often the worker looks for jobs whose lock lapsed (BullMQ's `stalledInterval`). */
  WF_STALLED_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** How long a node's state writes are retried while Redis refuses them (full, failing over, unreachable), in ms. */
  WF_STORE_RETRY_MS: z.coerce.number().int().min(0).default(600_000),
  /** Time limit of a node that sets none, in ms (default one hour). */
  WF_NODE_TIMEOUT_MS: z.coerce.number().int().min(100).default(3_600_000),
  WF_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  FFMPEG_PATH: z.string().min(1).default("ffmpeg"),
  FFPROBE_PATH: z.string().min(1).default("ffprobe"),
  /** pocketsphinx (speech.transcribe_audio's local engine) and its model folder (Debian's pocketsphinx-en-us). */
  POCKETSPHINX_PATH: z.string().min(1).default("pocketsphinx_continuous"),
  POCKETSPHINX_MODEL_DIR: z.string().min(1).default("/usr/share/pocketsphinx/model/en-us"),
  /** tesseract (the OCR nodes) and the language it reads (its traineddata must be installed, e.g. Debian's tesseract-ocr-eng). */
  TESSERACT_PATH: z.string().min(1).default("tesseract"),
  WF_OCR_LANG: z.string().regex(/^[a-z_]{3,16}(\+[a-z_]{3,16})*$/).default("eng"),
  /** espeak-ng (espeak.generate_speech). */
  ESPEAK_PATH: z.string().min(1).default("espeak-ng"),
  /** An OpenAI-compatible transcription endpoint's base URL (`<url>/v1/audio/transcriptions`): faster-whisper servers, whisper.cpp's server, hosted APIs. */
  WF_ASR_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Its API key (sent as a Bearer token; never logged or stored). */
  WF_ASR_API_KEY: z.string().min(1).optional(),
  WF_ASR_API_MODEL: z.string().min(1).default("whisper-1"),
  WF_ASR_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(600_000),
  /** Largest http(s) input download, in bytes. */
  WF_INPUT_MAX_BYTES: z.coerce.number().int().min(1).default(2 * 1024 ** 3),
  /** Longest an http(s) input download may take. */
  WF_INPUT_TIMEOUT_MS: z.coerce.number().int().min(100).default(600_000),
  /** Let input downloads reach loopback, private and link-local addresses. */
  WF_INPUT_ALLOW_PRIVATE: z.stringbool().default(false),
  /** Comma-separated hosts input downloads may reach whatever they resolve to. */
  WF_INPUT_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((host) => host.trim()).filter(Boolean)),
  /** Delivery attempts of a finished node's callback, and the first retry delay (doubled each time). */
  WF_CALLBACK_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  WF_CALLBACK_BACKOFF_MS: z.coerce.number().int().min(10).default(1_000),
  /** Port of the worker's `GET /metrics` (Prometheus); 0 picks a free port. */
  WF_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  /** Address of the worker's `GET /metrics`: loopback unless set (e.g. 0.0.0.0 for a scraper elsewhere). */
  WF_METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /**
   * Also read and delete the `{task_id}:{service}:{function}` keys of the shipped Python state
   * manager (a migration running both side by side). Adds a SCAN per read: off by default.
   */
  WF_LEGACY_KEYS: z.stringbool().default(false),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Shared resources of this machine: `<kind>[:<id>]=<slots>,…`, e.g. `gpu:0=1,gpu:1=1` (see `parseResources`). */
  WF_RESOURCES: z
    .string()
    .default("")
    .transform((value, ctx) => {
      try {
        return parseResources(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
  /** What machine the resources belong to; workers with the same scope share them. Default: the host name (in Kubernetes: the node's name). */
  WF_RESOURCE_SCOPE: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/).optional(),
  /** How long a resource lease lasts without renewal (renewed every third of it): a dead holder frees its slot after this. */
  WF_RESOURCE_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(10_000),
  /** Longest a node waits for a resource slot, then it ends FAILED RESOURCE_TIMEOUT (the original's max_wait_time). */
  WF_RESOURCE_WAIT_MS: z.coerce.number().int().min(0).default(1_800_000),
  /** The object store: the original's MINIO_* settings or S3_* ones (see `@wf/object-store`); none when unset. */
  ...ObjectStoreEnvSchema.shape,
  /** Redis Sentinel and acknowledged writes (`WAIT`), as the gateway reads them. */
  ...RedisEnvSchema.shape,
});

/** Validated worker configuration. */
export type WorkerEnv = z.output<typeof WorkerEnvSchema>;
