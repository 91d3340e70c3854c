import { z } from "zod";
import { checkBucketName } from "./object-key.js";

/** Where the store is and how to sign for it, resolved from the environment. */
export interface ObjectStoreConfig {
  /** Base URL of the S3 API (`http://minio:9000`); absent for AWS S3, which the region then locates. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The default bucket: task outputs go here; `/v1/files` uses it when no bucket is given. */
  bucket: string;
  /** Every bucket the apps may read or write (the default bucket included). */
  allowedBuckets: readonly string[];
  /** Address buckets as `<endpoint>/<bucket>/<key>` (MinIO, s3rver) rather than `<bucket>.<host>`. */
  forcePathStyle: boolean;
}

/** A store configuration that is present but unusable (a half-configuration, a bad value). */
export class ObjectStoreConfigError extends Error {
  override readonly name = "ObjectStoreConfigError";
}

const flag = z.stringbool().optional();
const text = z.string().trim().min(1).optional();

/**
 * The store's environment: the original's `MINIO_*` settings, or generic `S3_*` ones (AWS S3, R2,
 * any S3 endpoint). `WF_S3_ALLOWED_BUCKETS` names buckets besides the default one that may be used.
 */
export const ObjectStoreEnvSchema = z.object({
  MINIO_HOST: text,
  MINIO_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  MINIO_ACCESS_KEY: text,
  MINIO_SECRET_KEY: text,
  MINIO_DEFAULT_BUCKET: text,
  MINIO_SECURE: flag,
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: text,
  S3_ACCESS_KEY_ID: text,
  S3_SECRET_ACCESS_KEY: text,
  S3_BUCKET: text,
  S3_FORCE_PATH_STYLE: flag,
  WF_S3_ALLOWED_BUCKETS: z.string().optional(),
});

/** The validated store environment. */
export type ObjectStoreEnv = z.output<typeof ObjectStoreEnvSchema>;

/**
 * The store configuration `env` describes, or `undefined` when it names no store (nothing is
 * uploaded then). Throws an {@link ObjectStoreConfigError} naming every missing or bad setting
 * when the store is configured only in part: never a silent half-configuration.
 */
export function objectStoreConfigFromEnv(env: Record<string, string | undefined>): ObjectStoreConfig | undefined {
  const parsed = ObjectStoreEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ObjectStoreConfigError(`object store settings are invalid: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const minio = e.MINIO_HOST !== undefined;
  const s3 = e.S3_ENDPOINT !== undefined || e.S3_BUCKET !== undefined || e.S3_REGION !== undefined;
  if (!minio && !s3) {
    const stray = ["MINIO_PORT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_DEFAULT_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"].filter((name) => env[name]);
    if (stray.length > 0) throw new ObjectStoreConfigError(`${stray.join(", ")} set without MINIO_HOST or S3_ENDPOINT/S3_BUCKET: say where the store is`);
    return undefined;
  }
  if (minio && s3) throw new ObjectStoreConfigError("both MINIO_HOST and S3_* settings are set: configure the store one way");

  const missing: string[] = [];
  const need = (value: string | undefined, name: string): string => {
    if (value === undefined) missing.push(name);
    return value ?? "";
  };
  let config: ObjectStoreConfig;
  if (minio) {
    const scheme = e.MINIO_SECURE ? "https" : "http";
    const port = e.MINIO_PORT ?? 9000;
    config = {
      endpoint: `${scheme}://${hostForUrl(e.MINIO_HOST ?? "")}:${port}`,
      region: e.S3_REGION ?? "us-east-1",
      accessKeyId: need(e.MINIO_ACCESS_KEY, "MINIO_ACCESS_KEY"),
      secretAccessKey: need(e.MINIO_SECRET_KEY, "MINIO_SECRET_KEY"),
      bucket: e.MINIO_DEFAULT_BUCKET ?? "yivideo",
      allowedBuckets: [],
      forcePathStyle: true,
    };
  } else {
    if (e.S3_ENDPOINT === undefined && e.S3_REGION === undefined) missing.push("S3_ENDPOINT or S3_REGION");
    config = {
      ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT.replace(/\/+$/, "") } : {}),
      region: e.S3_REGION ?? "us-east-1",
      accessKeyId: need(e.S3_ACCESS_KEY_ID, "S3_ACCESS_KEY_ID"),
      secretAccessKey: need(e.S3_SECRET_ACCESS_KEY, "S3_SECRET_ACCESS_KEY"),
      bucket: need(e.S3_BUCKET, "S3_BUCKET"),
      allowedBuckets: [],
      // A custom endpoint is MinIO-like unless told otherwise; AWS itself takes virtual hosts.
      forcePathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
    };
  }
  if (missing.length > 0) throw new ObjectStoreConfigError(`the object store is configured in part: set ${missing.join(", ")}`);
  const extra = (e.WF_S3_ALLOWED_BUCKETS ?? "").split(",").map((name) => name.trim()).filter(Boolean);
  for (const name of [config.bucket, ...extra]) {
    const problem = checkBucketName(name);
    if (problem) throw new ObjectStoreConfigError(`bucket ${JSON.stringify(name)}: ${problem}`);
  }
  return { ...config, allowedBuckets: [...new Set([config.bucket, ...extra])] };
}

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
