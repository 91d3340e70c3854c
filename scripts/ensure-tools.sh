#!/usr/bin/env bash
# Installs what wf needs when it is missing: pnpm 12.4.2 (npm), redis-server, ffmpeg, python3-redis,
# pocketsphinx with its en-us model, espeak-ng and tesseract with English (apt),
# Debian's chromium (the dashboard's browser test), and for the container image tests (skipped with
# WF_SKIP_IMAGES=1) podman, buildah, runc and debootstrap.
# Safe to run again: it changes nothing that is already there.
set -euo pipefail

PNPM_VERSION=12.4.2

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v node >/dev/null 2>&1; then
  echo "Node.js 20 is required (node not found)" >&2
  exit 1
fi
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "installing pnpm $PNPM_VERSION" >&2
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "installing redis-server" >&2
  apt_install redis-server
fi
# The store's interop tests write keys with the Python services' own client (redis-py).
if ! /usr/bin/python3 -c "import redis" >/dev/null 2>&1; then
  echo "installing python3-redis" >&2
  apt_install python3 python3-redis
fi
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  echo "installing ffmpeg" >&2
  apt_install ffmpeg
fi
# The media nodes' engines, models included: pocketsphinx (speech recognition), espeak-ng
# (synthesis) and tesseract with its English data (OCR).
if ! command -v pocketsphinx_continuous >/dev/null 2>&1 || [ ! -d /usr/share/pocketsphinx/model/en-us/en-us ] || ! command -v espeak-ng >/dev/null 2>&1 \
  || ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx eng; then
  echo "installing pocketsphinx, pocketsphinx-en-us, espeak-ng, tesseract-ocr and tesseract-ocr-eng" >&2
  apt_install pocketsphinx pocketsphinx-en-us espeak-ng tesseract-ocr tesseract-ocr-eng
fi
# The dashboard's end-to-end test drives Debian's Chromium with playwright-core (never `playwright install`).
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium" >&2
  apt_install chromium
fi
# The image tests build and run the container images with podman (as root; no Docker daemon needed).
if [ "${WF_SKIP_IMAGES:-0}" != 1 ]; then
  for tool in podman buildah runc debootstrap; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "installing podman, buildah, runc and debootstrap" >&2
      apt_install podman buildah runc debootstrap
      break
    fi
  done
fi
