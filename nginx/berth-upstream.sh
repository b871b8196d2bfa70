#!/usr/bin/env bash
# Switches the app nginx proxies to, for the deploy agent (`docker exec <nginx> berth-upstream ...`):
#   berth-upstream set HOST:PORT [HOST:PORT...]   write upstream.conf, `nginx -t`, reload
#   berth-upstream show                           print the current upstream.conf
# When the new file fails `nginx -t` (e.g. the host name does not resolve), the previous file is
# put back, nginx keeps serving the old release, and the exit code is 1.
set -euo pipefail

file=/etc/nginx/berth/upstream.conf
server_pattern='^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?:[0-9]{1,5}$'

usage() {
  echo "usage: berth-upstream set HOST:PORT [HOST:PORT...] | berth-upstream show" >&2
  exit 2
}

render() {
  local server
  printf '# Written by berth-upstream at %s.\nupstream app {\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for server in "$@"; do
    printf '    server %s;\n' "$server"
  done
  printf '    keepalive 32;\n    keepalive_timeout 60s;\n}\n'
}

case "${1:-}" in
  show)
    cat "$file"
    ;;
  set)
    shift
    [ "$#" -ge 1 ] || usage
    for server in "$@"; do
      [[ $server =~ $server_pattern ]] || {
        echo "berth-upstream: \"$server\" is not HOST:PORT (e.g. web-0123456789ab:3000)" >&2
        exit 2
      }
    done
    cp "$file" "$file.previous"
    render "$@" >"$file.tmp"
    mv "$file.tmp" "$file"
    if ! output=$(nginx -t 2>&1); then
      mv "$file.previous" "$file"
      echo "berth-upstream: nginx rejected the new upstream ($*); kept the previous one:" >&2
      echo "$output" >&2
      exit 1
    fi
    nginx -s reload
    echo "berth-upstream: now proxying to $*"
    ;;
  *)
    usage
    ;;
esac
