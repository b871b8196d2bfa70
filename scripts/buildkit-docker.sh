#!/usr/bin/env bash
# Runs the docker CLI with BuildKit on, choosing a client that has it: a client with the buildx
# plugin, or Debian's docker.io client (20.10), whose BuildKit is built in. A newer client without
# buildx refuses DOCKER_BUILDKIT=1, and BuildKit is what mounts build secrets (the extra CA).
# Usage: buildkit-docker.sh build [ARGS...]
set -euo pipefail

client=docker
if ! docker buildx version >/dev/null 2>&1 && [ -x /usr/bin/docker ]; then
  client=/usr/bin/docker
fi
DOCKER_BUILDKIT=1 exec "$client" "$@"
