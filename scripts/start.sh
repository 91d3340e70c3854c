#!/usr/bin/env bash
# Runs wf on this machine: installs missing tools and dependencies, builds, starts a local Redis
# if none answers at REDIS_URL, then runs a worker (background) and the gateway (foreground).
# Unless an object store is configured (MINIO_HOST, S3_ENDPOINT or S3_BUCKET) or
# WF_LOCAL_S3=false, it also starts a local S3-protocol server (s3rver, objects in .wf/s3) on
# WF_LOCAL_S3_PORT (default 9000) for node outputs and /v1/files.
# Ctrl-C or SIGTERM stops them all gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."

export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export WF_SHARED_ROOT="${WF_SHARED_ROOT:-$PWD/.wf/shared}"
# The worker reads inputs from the shared root (its default); the gateway refuses other paths at create.
export WF_INPUT_ROOTS="${WF_INPUT_ROOTS:-$WF_SHARED_ROOT}"
export PORT="${PORT:-8000}"

bash scripts/ensure-tools.sh
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm build >&2

if ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
  port=$(node -e 'console.log(new URL(process.env.REDIS_URL).port || 6379)')
  echo "no Redis answers at $REDIS_URL; starting redis-server on 127.0.0.1:$port" >&2
  mkdir -p .wf/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$PWD/.wf/redis" --logfile "$PWD/.wf/redis/redis.log"
  for _ in $(seq 50); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
mkdir -p "$WF_SHARED_ROOT"

s3=""
if [ "${WF_LOCAL_S3:-true}" != "false" ] && [ -z "${MINIO_HOST:-}${S3_ENDPOINT:-}${S3_BUCKET:-}" ]; then
  s3_port="${WF_LOCAL_S3_PORT:-9000}"
  mkdir -p .wf/s3
  node packages/testing/bin/s3-server.mjs "$s3_port" "$PWD/.wf/s3" yivideo > .wf/s3.log 2>&1 &
  s3=$!
  for _ in $(seq 50); do grep -q ready .wf/s3.log 2>/dev/null && break; kill -0 "$s3" 2>/dev/null || break; sleep 0.1; done
  if ! grep -q ready .wf/s3.log 2>/dev/null; then
    echo "could not start the local S3 server on port $s3_port (see .wf/s3.log); set WF_LOCAL_S3_PORT, or WF_LOCAL_S3=false" >&2
    exit 1
  fi
  export MINIO_HOST=127.0.0.1 MINIO_PORT="$s3_port" MINIO_ACCESS_KEY=S3RVER MINIO_SECRET_KEY=S3RVER MINIO_DEFAULT_BUCKET=yivideo
  echo "object store: local S3 server on 127.0.0.1:$s3_port, bucket yivideo (objects in .wf/s3)" >&2
fi

node apps/worker/dist/main.js &
worker=$!
node apps/gateway/dist/main.js &
gateway=$!
stop() {
  kill -TERM "$gateway" "$worker" 2>/dev/null || true
  wait "$gateway" "$worker" 2>/dev/null || true
  if [ -n "$s3" ]; then kill -TERM "$s3" 2>/dev/null || true; wait "$s3" 2>/dev/null || true; fi
}
trap stop INT TERM
echo "wf: gateway on http://127.0.0.1:$PORT (docs at /docs), shared storage $WF_SHARED_ROOT" >&2
wait -n "$gateway" "$worker" || true
stop
