#!/usr/bin/env bash
# `npm start`: builds the app image and the nginx image and runs the app behind nginx on this
# machine as it runs on a host: a private Docker network, the web process behind nginx, the
# worker beside it, every container non-root. Prints the URL. `npm run stop` removes it all.
#   BERTH_PORT   local port nginx is published on (127.0.0.1 only; default 8080)
set -euo pipefail
cd "$(dirname "$0")/.."

port=${BERTH_PORT:-8080}
if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "berth: BERTH_PORT must be a port number from 1 to 65535 (got \"$port\")" >&2
  exit 2
fi

network=berth-local
web=berth-local-web
worker=berth-local-worker
proxy=berth-local-nginx
app_image=berth-app:local
proxy_image=berth-nginx:local
ca_bundle=/etc/ssl/certs/ca-certificates.crt

bash scripts/setup.sh

revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
source_url=$(git remote get-url origin 2>/dev/null || echo unknown)
build() { # tag context
  local secret=()
  if [ -r "$ca_bundle" ]; then secret=(--secret "id=ca,src=$ca_bundle"); fi
  echo "berth: building $1 from $2/" >&2
  bash scripts/buildkit-docker.sh build --quiet "${secret[@]}" \
    --build-arg "SOURCE=$source_url" --build-arg "REVISION=$revision" --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --tag "$1" "$2" >/dev/null
}
build "$app_image" app-image
build "$proxy_image" nginx

# Waits (bounded) until `docker exec CONTAINER CMD...` succeeds; on timeout shows the container's log.
wait_until() { # seconds container cmd...
  local seconds=$1 container=$2
  shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    if docker exec "$container" "$@" >/dev/null 2>&1; then return 0; fi
    if [ "$(docker inspect --format '{{.State.Running}}' "$container")" != true ]; then break; fi
    sleep 0.25
  done
  echo "berth: $container did not become ready; its log ends with:" >&2
  docker logs --tail 20 "$container" >&2
  exit 1
}

bash scripts/stop.sh >/dev/null
docker network create --label berth.local=true "$network" >/dev/null
digest=$(docker image inspect --format '{{.Id}}' "$app_image")
app_env=(--env "APP_RELEASE=local-$revision" --env "APP_DIGEST=$digest")
labels=(--label berth.local=true --label berth.app=sample)

docker run --detach --name "$web" --network "$network" --network-alias app \
  "${labels[@]}" --label berth.role=web "${app_env[@]}" "$app_image" >/dev/null
wait_until 30 "$web" node dist/healthcheck.js

docker run --detach --name "$worker" --network "$network" \
  "${labels[@]}" --label berth.role=worker "${app_env[@]}" "$app_image" node dist/worker.js >/dev/null

if ! docker run --detach --name "$proxy" --network "$network" --publish "127.0.0.1:$port:8080" \
  "${labels[@]}" --label berth.role=proxy "$proxy_image" >/dev/null; then
  echo "berth: could not publish nginx on 127.0.0.1:$port; choose another port, e.g. BERTH_PORT=8081 npm start" >&2
  exit 1
fi
wait_until 30 "$proxy" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /healthz HTTP/1.0\r\n\r\n" >&3 && head -n 1 <&3 | grep -q " 200 "'

url="http://127.0.0.1:$port"
cat <<MSG
berth: the app (release local-$revision) runs behind nginx at $url
  $url/          greeting        $url/version   release and digest
  $url/healthz   readiness       $url/items     a larger JSON document
  logs: docker logs -f $web | $proxy | $worker      stop: npm run stop
MSG
