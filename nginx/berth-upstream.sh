#!/usr/bin/env bash
# Switches the app nginx proxies to, for the deploy agent (`docker exec <nginx> berth-upstream ...`):
#   berth-upstream set HOST:PORT [HOST:PORT...]   write upstream.conf, `nginx -t`, reload, and
#                                                 wait until new connections get the new upstream
#   berth-upstream show                           print the current upstream.conf
# When the new file fails `nginx -t` (e.g. the host name does not resolve), the previous file is
# put back, nginx keeps serving the old release, and the exit code is 1.
set -euo pipefail

file=/etc/nginx/berth/upstream.conf
server_pattern='^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?:[0-9]{1,5}$'

# PIDs of the workers that accept new connections (a worker that got the graceful-shutdown signal
# renames itself "nginx: worker process is shutting down" and has closed its listening sockets).
accepting_workers() {
  local proc title
  for proc in /proc/[0-9]*; do
    title=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null) || continue
    if [ "$title" = "nginx: worker process " ]; then echo "${proc#/proc/}"; fi
  done
}

# `nginx -s reload` only signals the master. Returns once none of the old workers accepts new
# connections any more, so the next request is served by the new configuration (bounded: 10 s).
reload_and_wait() {
  local old pid still out _
  old=$(accepting_workers)
  if ! out=$(nginx -s reload 2>&1); then
    echo "berth-upstream: nginx -s reload failed: $out" >&2
    return 1
  fi
  for _ in $(seq 1 100); do
    still=0
    for pid in $old; do
      if [ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" = "nginx: worker process " ]; then still=1; fi
    done
    if [ "$still" -eq 0 ] && [ -n "$(accepting_workers)" ]; then return 0; fi
    sleep 0.1
  done
  echo "berth-upstream: nginx was told to reload, but its old workers still accept after 10 s" >&2
  return 1
}

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
    reload_and_wait
    echo "berth-upstream: now proxying to $*"
    ;;
  *)
    usage
    ;;
esac
