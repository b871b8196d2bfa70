#!/usr/bin/env bash
# Prepares this machine for berth's commands: the pinned pnpm, the dependencies, a running Docker
# engine, the host tools the tests use, and the base images (built locally where none can be pulled).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile --reporter=silent
bash scripts/ensure-docker.sh
if [ -r /etc/debian_version ]; then
  bash scripts/ensure-debian-packages.sh debootstrap shellcheck openssh-client jq fonts-dejavu-core skopeo
fi
bash scripts/build-base-images.sh
