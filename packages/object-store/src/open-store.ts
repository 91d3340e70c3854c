import { objectStoreConfigFromEnv } from "./config.js";
import { createObjectStore, type ObjectStore } from "./object-store.js";

/**
 * The store an app's environment configures, checked before the app serves anything: `undefined`
 * when none is configured; otherwise a client whose default bucket exists (created when missing,
 * as MinIO starts empty). Throws with a message naming the setting or the failure (a
 * half-configuration, wrong credentials, an unreachable endpoint), so the app refuses to start.
 */
export async function openObjectStoreFromEnv(env: Record<string, string | undefined>): Promise<ObjectStore | undefined> {
  const config = objectStoreConfigFromEnv(env);
  if (!config) return undefined;
  const store = createObjectStore(config);
  try {
    await store.ensureBucket();
  } catch (error) {
    store.close();
    throw new Error(`object store ${config.endpoint ?? `s3 ${config.region}`} bucket ${config.bucket}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return store;
}
