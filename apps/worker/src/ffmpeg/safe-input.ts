/**
 * Demuxers a node's input may be read with: single-file media containers and raw streams. Not
 * here on purpose: `hls`, `dash`, `concat`, `image2` (sequences), `tee` and every other demuxer
 * that opens further files or URLs named inside the input, which would read past the input roots.
 */
export const SAFE_DEMUXERS = [
  "mov", "mp4", "matroska", "webm", "avi", "flv", "mpegts", "mpeg", "asf", "ogg", "wav", "w64",
  "mp3", "flac", "aac", "ac3", "eac3", "dts", "aiff", "caf", "amr", "m4v", "h264", "hevc", "mjpeg",
  "gif", "png_pipe", "jpeg_pipe", "webp_pipe", "ivf", "nut", "wv", "ape", "tta", "opus",
] as const;

/**
 * ffmpeg arguments that open `path` as the only file it reads: the `file` protocol only, and
 * only the {@link SAFE_DEMUXERS}, so a playlist or concat list inside an input root cannot make
 * ffmpeg read a file outside them. Use it in place of `-i path`.
 */
export function safeInput(path: string): string[] {
  return ["-protocol_whitelist", "file", "-format_whitelist", SAFE_DEMUXERS.join(","), "-i", path];
}
