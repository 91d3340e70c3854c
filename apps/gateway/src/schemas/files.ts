import { z } from "zod";

/** `?bucket=`: one of the buckets the deployment allows; the default bucket when absent. */
const bucket = z.string().min(1).max(63).optional().describe("Bucket (default: MINIO_DEFAULT_BUCKET); only the allowed buckets are accepted");

/** Query of `POST /v1/files/upload`. */
export const UploadQuerySchema = z.object({
  file_path: z.string().min(1).max(1024).describe("Object key to store the file under, relative (a team's key is stored under teams/<team>/)"),
  bucket,
});

/** Query of the routes that name one object by path. */
export const BucketQuerySchema = z.object({ bucket });

/** The object path of the wildcard routes (`/v1/files/download/<path>`). */
export const ObjectPathParamsSchema = z.object({ "*": z.string().describe("Object key") });

/** Answer of `POST /v1/files/upload`, as the original answers it. */
export const FileUploadResponseSchema = z
  .object({
    file_path: z.string().describe("The object key the file was stored under"),
    bucket: z.string(),
    download_url: z.string().describe("Presigned GET link, valid 24 hours"),
    size: z.number(),
    uploaded_at: z.string(),
    content_type: z.string(),
  })
  .meta({
    id: "FileUploadResponse",
    example: { file_path: "videos/demo.mp4", bucket: "yivideo", download_url: "http://minio:9000/yivideo/videos/demo.mp4?X-Amz-…", size: 1048576, uploaded_at: "2026-12-01T12:00:00.000Z", content_type: "video/mp4" },
  });

/** Answer of the delete routes, as the original's `FileOperationResponse`. */
export const FileOperationResponseSchema = z
  .object({ success: z.boolean(), message: z.string(), file_path: z.string() })
  .meta({ id: "FileOperationResponse", example: { success: true, message: "file deleted: videos/demo.mp4", file_path: "videos/demo.mp4" } });

/** Query of the listing routes. */
export const ListFilesQuerySchema = z.object({
  bucket,
  recursive: z.stringbool().default(true).describe("List below sub-folders too (default true)"),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000).describe("Most files to list"),
});

/** Answer of the listing routes, as the original's `FileListResponse` (plus `truncated`). */
export const FileListResponseSchema = z
  .object({
    prefix: z.string(),
    bucket: z.string(),
    files: z.array(z.object({ file_path: z.string(), size: z.number(), last_modified: z.string().nullable(), etag: z.string().nullable(), content_type: z.string().nullable() })),
    total_count: z.number(),
    truncated: z.boolean().describe("More files than limit are under the prefix"),
  })
  .meta({ id: "FileListResponse", example: { prefix: "videos/", bucket: "yivideo", files: [{ file_path: "videos/demo.mp4", size: 1048576, last_modified: "2026-12-01T12:00:00.000Z", etag: '"9b2c…"', content_type: null }], total_count: 1, truncated: false } });

/** Query of `DELETE /v1/files/directories`. */
export const DeleteDirectoryQuerySchema = z.object({
  directory_path: z.string().min(1).max(4096).describe("Absolute path of a folder under the shared root (a team key: one of its tasks' folders)"),
});

/** Query of `GET /v1/files/url/<path>`. */
export const FileUrlQuerySchema = z.object({
  bucket,
  expires_hours: z.coerce.number().int().min(1).max(168).default(24).describe("Link lifetime in hours (1-168)"),
});

/** Answer of `GET /v1/files/exists/<path>`. */
export const ObjectExistsSchema = z.object({ file_path: z.string(), bucket: z.string(), exists: z.boolean() }).meta({ id: "FileExistsResponse", example: { file_path: "teams/team-a/videos/demo.mp4", bucket: "yivideo", exists: true } });

/** Answer of `GET /v1/files/url/<path>`. */
export const FileUrlResponseSchema = z
  .object({ file_path: z.string(), bucket: z.string(), download_url: z.string(), expires_in_hours: z.number() })
  .meta({ id: "FileUrlResponse", example: { file_path: "teams/team-a/videos/demo.mp4", bucket: "yivideo", download_url: "http://minio:9000/yivideo/teams/team-a/videos/demo.mp4?X-Amz-…", expires_in_hours: 24 } });
