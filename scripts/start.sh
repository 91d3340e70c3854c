#!/usr/bin/env bash
# Runs wf on this machine: installs missing tools and dependencies, builds, starts a local Redis
# if none answers at REDIS_URL, then runs a worker (background) and the gateway (foreground).
# Ctrl-C or SIGTERM stops both gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."

export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export WF_SHARED_ROOT="${WF_SHARED_ROOT:-$PWD/.wf/shared}"
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

node apps/worker/dist/main.js &
worker=$!
node apps/gateway/dist/main.js &
gateway=$!
stop() { kill -TERM "$gateway" "$worker" 2>/dev/null || true; wait "$gateway" "$worker" 2>/dev/null || true; }
trap stop INT TERM
echo "wf: gateway on http://127.0.0.1:$PORT (docs at /docs), shared storage $WF_SHARED_ROOT" >&2
wait -n "$gateway" "$worker" || true
stop
