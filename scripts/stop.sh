#!/usr/bin/env bash
# `npm run stop`: removes the local fleet (hosts, registry, load balancer, their network and
# volumes). Keeps the images and .berth/ (SSH key, registry password), so the next start is quick
# and offline. Safe to run when nothing is running.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! docker info >/dev/null 2>&1; then
  echo "berth: no Docker engine answers, so nothing is running"
  exit 0
fi
exec node -r ts-node/register/transpile-only fleet/src/cli.ts down
