export { ObjectStoreConfigError, ObjectStoreEnvSchema, objectStoreConfigFromEnv, type ObjectStoreConfig, type ObjectStoreEnv } from "./config.js";
export { ObjectStoreError, type ObjectStoreErrorCode } from "./errors.js";
export { checkBucketName, checkObjectKey, nodeObjectKey, taskObjectPrefix, type ObjectRef } from "./object-key.js";
export { ObjectReferenceError, checkedObjectRef, objectUrl, parseObjectReference } from "./reference.js";
export { createObjectStore, type DownloadLimits, type ObjectInfo, type ObjectRead, type ObjectStore } from "./object-store.js";
export { contentTypeOf } from "./content-type.js";
export { openObjectStoreFromEnv } from "./open-store.js";
