#!/usr/bin/env bash
# `npm run stop`: removes what `npm start` started (containers and network); keeps the images,
# so the next start reuses every cached layer.
set -euo pipefail

if ! docker info >/dev/null 2>&1; then
  echo "berth: no Docker engine answers, so nothing is running"
  exit 0
fi
containers=$(docker ps --all --quiet --filter label=berth.local=true)
if [ -n "$containers" ]; then
  # shellcheck disable=SC2086 # one id per word
  docker rm --force $containers >/dev/null
fi
networks=$(docker network ls --quiet --filter label=berth.local=true)
if [ -n "$networks" ]; then
  # shellcheck disable=SC2086
  docker network rm $networks >/dev/null
fi
echo "berth: stopped the local app (removed $(wc -w <<<"$containers") containers)"
