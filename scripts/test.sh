#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs missing tools, installs dependencies,
# type-checks, builds, and runs every package's tests against throwaway redis-server processes (or REDIS_URL).
# The last line printed is `tests: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm typecheck >&2
exec pnpm test
