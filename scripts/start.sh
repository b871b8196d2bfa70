#!/usr/bin/env bash
# `npm start`: the production topology on this machine. Brings up the local fleet (simulated EC2
# hosts running their own dockerd and sshd, a registry with auth, a load balancer with health
# checks), builds the app and nginx images, pushes them and rolls them out over SSH through the
# host deploy agent, then prints the URL and a status table. Run it again after a code change to
# roll the new release out (same sources: nothing changes). `npm run stop` tears it all down.
#   BERTH_HOSTS  number of hosts (default 2; remembered in .berth/fleet.json)
#   BERTH_PORT   the load balancer's port on 127.0.0.1 (default 8800)
set -euo pipefail
cd "$(dirname "$0")/.."

args=(start)
if [ -n "${BERTH_HOSTS:-}" ]; then args+=(--hosts "$BERTH_HOSTS"); fi
if [ -n "${BERTH_PORT:-}" ]; then args+=(--port "$BERTH_PORT"); fi

bash scripts/setup.sh
exec node -r ts-node/register/transpile-only fleet/src/cli.ts "${args[@]}"
