#!/usr/bin/env bash
# `npm start`: the production topology on this machine. The local fleet comes up (simulated EC2
# hosts running their own dockerd and sshd, a registry with auth, a load balancer with health
# checks); then the operator CLI deploys to it exactly as it would to any stack (build, push,
# the rollout plan over SSH through the host deploy agent) and prints each host's status. Run it
# again after a code change to roll the new release out (same sources: nothing changes).
# `npm run stop` tears it all down.
#   BERTH_HOSTS  number of hosts (default 2; remembered in .berth/fleet.json)
#   BERTH_PORT   the load balancer's port on 127.0.0.1 (default 8800; remembered)
set -euo pipefail
cd "$(dirname "$0")/.."

args=(up)
if [ -n "${BERTH_HOSTS:-}" ]; then args+=(--hosts "$BERTH_HOSTS"); fi
if [ -n "${BERTH_PORT:-}" ]; then args+=(--port "$BERTH_PORT"); fi

bash scripts/setup.sh
node -r ts-node/register/transpile-only fleet/src/cli.ts "${args[@]}"
node -r ts-node/register/transpile-only cli/src/index.ts deploy -s local
node -r ts-node/register/transpile-only cli/src/index.ts status -s local
