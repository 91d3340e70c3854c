import { ObjectReferenceError, parseObjectReference, type ObjectStore } from "@wf/object-store";
import type { StateStore } from "@wf/state-redis";
import type { Principal } from "../auth/principal.js";
import { ApiError } from "../errors/api-error.js";
import { teamPrefix } from "./object-access.js";

/**
 * Refuses, at create, object-store inputs the caller may not read: a bucket the deployment does
 * not allow or a key that is not plain (400 `INVALID_INPUT_REFERENCE`), and for a team key an
 * object outside its folder `teams/<team>/` and its own tasks' objects (403 `INPUT_NOT_ALLOWED`).
 * Checks the top-level string fields of `input_data` and their lists; the worker checks the
 * bucket again when it fetches.
 */
export async function checkObjectInputs(store: ObjectStore | undefined, tasks: StateStore, principal: Principal, taskId: string, taskName: string, input: Record<string, unknown>): Promise<void> {
  for (const [field, value] of Object.entries(input)) {
    for (const reference of (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === "string")) {
      if (!store) {
        if (/^(s3|minio):\/\//i.test(reference)) throw new ApiError(400, "INVALID_INPUT_REFERENCE", `${taskName}: input_data.${field}: this deployment has no object store configured`);
        continue;
      }
      let ref;
      try {
        ref = parseObjectReference(store.config, reference);
      } catch (error) {
        if (error instanceof ObjectReferenceError) throw new ApiError(400, "INVALID_INPUT_REFERENCE", `${taskName}: input_data.${field}: ${error.message}`);
        throw error;
      }
      if (!ref || principal.kind === "anonymous" || principal.admin) continue;
      if (ref.key.startsWith(teamPrefix(principal.team)) || ref.key.startsWith(`${taskId}/`)) continue;
      const first = ref.key.split("/", 1)[0] ?? "";
      if ((await tasks.getTaskOwner(first)) === principal.team) continue;
      throw new ApiError(403, "INPUT_NOT_ALLOWED", `${taskName}: input_data.${field}: a team key may read only objects under ${teamPrefix(principal.team)} and its own tasks' objects`);
    }
  }
}
