#!/usr/bin/env bash
# `npm run bench`: sets this machine up like every other command, then runs the benchmark
# (bench/src/main.ts; flags pass through, e.g. `npm run bench -- --hosts 3 --rate 100`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
exec node -r ts-node/register/transpile-only bench/src/main.ts "$@"
