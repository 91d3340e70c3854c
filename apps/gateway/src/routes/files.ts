import { rm, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { contentTypeOf, type ObjectRef } from "@wf/object-store";
import { tasksRoot } from "@wf/context";
import { z } from "zod";
import type { GatewayDeps, ZodApp } from "../deps.js";
import { ApiError } from "../errors/api-error.js";
import { apiErrorOfStore, requireStore, resolveListPrefix, resolveObjectPath } from "../files/object-access.js";
import {
  BucketQuerySchema,
  DeleteDirectoryQuerySchema,
  FileListResponseSchema,
  FileOperationResponseSchema,
  FileUploadResponseSchema,
  FileUrlQuerySchema,
  FileUrlResponseSchema,
  ListFilesQuerySchema,
  ObjectExistsSchema,
  ObjectPathParamsSchema,
  UploadQuerySchema,
} from "../schemas/files.js";
import { ErrorResponseSchema, commonErrors } from "../schemas/tasks.js";
import type { Principal } from "../auth/principal.js";

const DAY_SECONDS = 24 * 3600;
const errors = { 400: ErrorResponseSchema, 403: ErrorResponseSchema, 404: ErrorResponseSchema, ...commonErrors() };

async function storeCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw apiErrorOfStore(error);
  }
}

/** A local folder a caller may delete: under the shared root (not the root, nor its tasks folder); a team only its own tasks' folders. */
async function checkDeletableDirectory(deps: GatewayDeps, principal: Principal, path: string): Promise<string> {
  if (!isAbsolute(path) || path.includes("\0")) throw new ApiError(400, "INVALID_PATH", "directory_path must be an absolute path");
  const target = resolve(path);
  const inside = (root: string): string | undefined => {
    const rel = relative(root, target);
    return rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? undefined : rel;
  };
  const underRoot = inside(deps.sharedRoot);
  if (underRoot === undefined || target === tasksRoot(deps.sharedRoot)) {
    throw new ApiError(403, "PATH_NOT_ALLOWED", "only folders inside the shared root (not the root or its tasks folder) may be deleted");
  }
  if (principal.kind === "team" && !principal.admin) {
    const taskId = inside(tasksRoot(deps.sharedRoot))?.split(sep)[0];
    if (!taskId || (await deps.store.getTaskOwner(taskId)) !== principal.team) throw new ApiError(403, "PATH_NOT_ALLOWED", "a team key may delete only folders of its own tasks");
  }
  return target;
}

/**
 * The original's `/v1/files` routes over the object store: streamed upload (multipart `file`)
 * with a presigned 24-hour link, streamed download with `Range`, delete, listing by prefix,
 * existence and presigned links; plus deleting a local folder under the shared root. Scoped per
 * team as `resolveObjectPath` says; 503 `OBJECT_STORE_NOT_CONFIGURED` without a store.
 */
export function registerFileRoutes(app: ZodApp, deps: GatewayDeps): void {
  const objectOf = (principal: Principal, path: string, bucket: string | undefined): Promise<ObjectRef> =>
    resolveObjectPath(requireStore(deps.objectStore), deps.store, principal, path, bucket);
  const maxBytes = deps.fileUploadMaxBytes ?? 5 * 1024 ** 3;

  app.post(
    "/v1/files/upload",
    {
      schema: {
        operationId: "uploadFile",
        summary: "Upload a file to the object store (multipart field `file`, streamed)",
        tags: ["files"],
        consumes: ["multipart/form-data"],
        querystring: UploadQuerySchema,
        response: { 200: FileUploadResponseSchema, 413: ErrorResponseSchema, 415: ErrorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const store = requireStore(deps.objectStore);
      const ref = await objectOf(request.principal, request.query.file_path, request.query.bucket);
      if (ref.key.endsWith("/")) throw new ApiError(400, "OBJECT_KEY_INVALID", "file_path names a folder; give a file name");
      if (!request.isMultipart()) throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "send the file as multipart/form-data in a field named file");
      // One byte over the limit lets the store's own counter say which limit was hit.
      const part = await request.file({ limits: { fileSize: maxBytes + 1, files: 1, fields: 0 } });
      if (!part || part.fieldname !== "file") throw new ApiError(400, "FILE_MISSING", "the multipart body has no field named file");
      const contentType = part.mimetype && part.mimetype !== "application/octet-stream" ? part.mimetype : contentTypeOf(ref.key);
      const { size } = await storeCall(() => store.uploadStream(ref, part.file, { contentType, maxBytes }));
      if (size === 0) {
        await store.remove(ref).catch(() => undefined);
        throw new ApiError(400, "FILE_EMPTY", "the uploaded file is empty");
      }
      request.log.info({ bucket: ref.bucket, key: ref.key, size }, "file uploaded");
      return { file_path: ref.key, bucket: ref.bucket, download_url: await store.presignGet(ref, DAY_SECONDS), size, uploaded_at: new Date().toISOString(), content_type: contentType };
    },
  );

  app.get(
    "/v1/files/download/*",
    {
      schema: {
        operationId: "downloadFile",
        summary: "Download a file from the object store (streamed; Range supported)",
        tags: ["files"],
        params: ObjectPathParamsSchema,
        querystring: BucketQuerySchema,
        response: {
          200: {
            description: "The file's bytes (206 with Content-Range for a Range request)",
            content: { "application/octet-stream": { schema: z.string().describe("The file").meta({ example: "<binary>" }) } },
          },
          416: ErrorResponseSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const store = requireStore(deps.objectStore);
      const ref = await objectOf(request.principal, request.params["*"], request.query.bucket);
      const range = request.headers.range;
      if (range !== undefined && !/^bytes=\d*-\d*$/.test(range)) throw new ApiError(416, "RANGE_NOT_SATISFIABLE", "Range must be one bytes=start-end range");
      const object = await storeCall(() => store.read(ref, range ? { range } : {})).catch((error: unknown) => {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) throw new ApiError(416, "RANGE_NOT_SATISFIABLE", "the range lies outside the file");
        throw error;
      });
      const name = ref.key.split("/").pop() ?? "file";
      reply
        .status(object.status)
        .header("content-type", object.contentType ?? contentTypeOf(ref.key))
        .header("accept-ranges", "bytes")
        .header("content-disposition", `attachment; filename="${name.replace(/["\\\r\n]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`);
      if (object.contentLength !== null) reply.header("content-length", object.contentLength);
      if (object.contentRange) reply.header("content-range", object.contentRange);
      if (object.etag) reply.header("etag", object.etag);
      return reply.send(object.body);
    },
  );

  // Registered before `DELETE /v1/files/*`, which would otherwise take this path as a key.
  app.delete(
    "/v1/files/directories",
    {
      schema: {
        operationId: "deleteDirectory",
        summary: "Delete a local folder under the shared root",
        tags: ["files"],
        querystring: DeleteDirectoryQuerySchema,
        response: { 200: FileOperationResponseSchema, ...errors },
      },
    },
    async (request) => {
      const path = await checkDeletableDirectory(deps, request.principal, request.query.directory_path);
      const found = await stat(path).catch(() => undefined);
      if (!found) throw new ApiError(404, "DIRECTORY_NOT_FOUND", `no folder at ${request.query.directory_path}`);
      if (!found.isDirectory()) throw new ApiError(400, "NOT_A_DIRECTORY", `${request.query.directory_path} is not a folder`);
      await rm(path, { recursive: true, force: true });
      return { success: true, message: `directory deleted: ${path}`, file_path: path };
    },
  );

  app.delete(
    "/v1/files/*",
    {
      schema: {
        operationId: "deleteFile",
        summary: "Delete a file from the object store",
        tags: ["files"],
        params: ObjectPathParamsSchema,
        querystring: BucketQuerySchema,
        response: { 200: FileOperationResponseSchema, ...errors },
      },
    },
    async (request) => {
      const store = requireStore(deps.objectStore);
      const ref = await objectOf(request.principal, request.params["*"], request.query.bucket);
      if (!(await storeCall(() => store.remove(ref)))) throw new ApiError(404, "OBJECT_NOT_FOUND", `no file at ${request.params["*"]}`);
      return { success: true, message: `file deleted: ${ref.key}`, file_path: ref.key };
    },
  );

  const list = async (principal: Principal, prefix: string, query: { bucket?: string | undefined; recursive: boolean; limit: number }) => {
    const store = requireStore(deps.objectStore);
    const scope = await resolveListPrefix(store, deps.store, principal, prefix, query.bucket);
    const { objects, truncated } = await storeCall(() => store.list(scope.bucket, scope.key, query.limit));
    const shown = query.recursive ? objects : objects.filter((object) => !object.key.slice(scope.key.length).replace(/\/$/, "").includes("/"));
    return {
      prefix: scope.key,
      bucket: scope.bucket,
      files: shown.map((object) => ({ file_path: object.key, size: object.size, last_modified: object.lastModified, etag: object.etag, content_type: object.contentType })),
      total_count: shown.length,
      truncated,
    };
  };
  const listSchema = (operationId: string, withPrefix: boolean) => ({
    operationId,
    summary: withPrefix ? "List files under a prefix" : "List files (a team key: its own folder)",
    tags: ["files"],
    ...(withPrefix ? { params: ObjectPathParamsSchema } : {}),
    querystring: ListFilesQuerySchema,
    response: { 200: FileListResponseSchema, ...errors },
  });
  app.get("/v1/files/list", { schema: listSchema("listFiles", false) }, async (request) => list(request.principal, "", request.query));
  app.get("/v1/files/list/*", { schema: listSchema("listFilesUnderPrefix", true) }, async (request) => {
    // The router drops a trailing slash from the wildcard; a prefix keeps it (`task-1/` must not list `task-10/`).
    const prefix = (request.params as { "*": string })["*"];
    const slash = (request.url.split("?", 1)[0] ?? "").endsWith("/") && !prefix.endsWith("/");
    return list(request.principal, slash ? `${prefix}/` : prefix, request.query);
  });

  app.get(
    "/v1/files/exists/*",
    {
      schema: {
        operationId: "fileExists",
        summary: "Whether a file exists in the object store",
        tags: ["files"],
        params: ObjectPathParamsSchema,
        querystring: BucketQuerySchema,
        response: { 200: ObjectExistsSchema, ...errors },
      },
    },
    async (request) => {
      const store = requireStore(deps.objectStore);
      const ref = await objectOf(request.principal, request.params["*"], request.query.bucket);
      return { file_path: ref.key, bucket: ref.bucket, exists: (await storeCall(() => store.head(ref))) !== undefined };
    },
  );

  app.get(
    "/v1/files/url/*",
    {
      schema: {
        operationId: "fileUrl",
        summary: "A presigned download link of a file",
        tags: ["files"],
        params: ObjectPathParamsSchema,
        querystring: FileUrlQuerySchema,
        response: { 200: FileUrlResponseSchema, ...errors },
      },
    },
    async (request) => {
      const store = requireStore(deps.objectStore);
      const ref = await objectOf(request.principal, request.params["*"], request.query.bucket);
      if (!(await storeCall(() => store.head(ref)))) throw new ApiError(404, "OBJECT_NOT_FOUND", `no file at ${request.params["*"]}`);
      const hours = request.query.expires_hours;
      return { file_path: ref.key, bucket: ref.bucket, download_url: await store.presignGet(ref, hours * 3600), expires_in_hours: hours };
    },
  );
}
