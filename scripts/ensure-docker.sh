#!/usr/bin/env bash
# Makes sure a Docker engine answers. On Debian as root it installs Debian's docker.io and starts
# dockerd when none is running; anywhere else it says what to install and stops.
set -euo pipefail

log=/var/log/berth-dockerd.log

if docker info >/dev/null 2>&1; then
  exit 0
fi

is_debian_root() {
  [ "$(id -u)" -eq 0 ] && [ -r /etc/debian_version ] && command -v apt-get >/dev/null
}

if ! command -v dockerd >/dev/null; then
  if ! is_debian_root; then
    echo "berth: no Docker engine is reachable. Install Docker Engine (https://docs.docker.com/engine/install/), start it, and run this again." >&2
    exit 1
  fi
  echo "berth: installing Debian's docker.io (no Docker engine found)" >&2
  bash "$(dirname "$0")/ensure-debian-packages.sh" docker.io
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "berth: dockerd is installed but not running, and starting it needs root: run 'sudo dockerd &' (or 'sudo systemctl start docker') and try again." >&2
  exit 1
fi

echo "berth: starting dockerd in the background (log: $log)" >&2
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
echo "berth: dockerd did not answer within 60 s; its log ($log) ends with:" >&2
tail -n 20 "$log" >&2
exit 1
