#!/usr/bin/env bash
# `npm test`: set up this machine, then type-check, lint and run every suite (unit, policy, docker, fleet).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
pnpm run typecheck
pnpm run lint
pnpm run test:unit
pnpm run test:policy
pnpm run test:docker
pnpm run test:fleet
