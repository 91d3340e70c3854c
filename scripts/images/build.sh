#!/usr/bin/env bash
# Builds the wf container images: wf/gateway:$WF_IMAGE_TAG and wf/worker:$WF_IMAGE_TAG (default
# tag: latest). Builds the workspace, stages a production bundle of each app with
# `pnpm deploy --prod` under .wf/images, then builds deploy/Dockerfile's two targets from it.
# CONTAINER_CLI picks the builder (default: podman if present, else docker); it may carry
# arguments (e.g. "podman --root /some/storage").
set -euo pipefail
cd "$(dirname "$0")/../.."

tag="${WF_IMAGE_TAG:-latest}"
if [ -n "${CONTAINER_CLI:-}" ]; then read -r -a cli <<<"$CONTAINER_CLI"
elif command -v podman >/dev/null 2>&1; then cli=(podman)
else cli=(docker); fi
format=()
# podman writes OCI images by default, and OCI has no HEALTHCHECK: ask for the Docker format.
if "${cli[@]}" --version 2>/dev/null | grep -qi podman; then format=(--format docker); fi

pnpm build >&2
stage=.wf/images/stage
rm -rf "$stage"
mkdir -p "$stage"
for app in gateway worker; do
  pnpm --filter "@wf/$app-image" deploy --prod "$stage/$app" >&2
  # The bundle runs as it is: pnpm's project files in it are not needed at run time.
  rm -f "$stage/$app/pnpm-lock.yaml" "$stage/$app/pnpm-workspace.yaml"
done
for app in gateway worker; do
  "${cli[@]}" build "${format[@]}" ${WF_BUILD_ARGS:-} -f deploy/Dockerfile --target "$app" -t "wf/$app:$tag" "$stage" >&2
  echo "wf/$app:$tag"
done
