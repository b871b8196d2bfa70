#!/usr/bin/env bash
# Prints the app image's figures: runtime image size, cold build time, rebuild time after a
# one-line code change, and rebuild time after a docs-only change (expected: a no-op).
# Builds a throwaway copy of app-image/ (removed on exit with its image): the work tree is never
# touched. Times depend on the machine and its load; they are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-docker.sh
bash scripts/build-base-images.sh

work=$(mktemp -d)
copy=$work/app-image
tag=berth-figures-app:$$
proxy_tag=berth-figures-nginx:$$
trap 'rm -rf "$work"; docker image rm --force "$tag" "$proxy_tag" >/dev/null 2>&1 || true' EXIT
mkdir "$copy"
tar -C app-image --exclude=./node_modules --exclude=./dist -cf - . | tar -C "$copy" -xf -

secret=()
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
  secret=(--secret "id=ca,src=/etc/ssl/certs/ca-certificates.crt")
fi

# The Dockerfiles pin their base images by digest (ARG <NAME>_IMAGE=name:tag@sha256:...), which
# only a registry resolves: local builds name the local image by its tag.
pinned_base() { # dockerfile -> name:tag of its (first) pinned base image
  sed -n -E 's/^ARG [A-Za-z_][A-Za-z0-9_]*_IMAGE=([^@[:space:]]+)@sha256:[0-9a-f]{64}[[:space:]]*$/\1/p' "$1" | head -n 1
}
local_base_args() { # dockerfile -> --build-arg NAME=name:tag, one word a line
  sed -n -E 's/^ARG ([A-Za-z_][A-Za-z0-9_]*_IMAGE)=([^@[:space:]]+)@sha256:[0-9a-f]{64}[[:space:]]*$/--build-arg\n\1=\2/p' "$1"
}
mapfile -t app_base_args < <(local_base_args app-image/Dockerfile)
mapfile -t proxy_base_args < <(local_base_args nginx/Dockerfile)

seconds=""
steps=""
# Builds the copy; sets $seconds (wall time) and $steps ("N of M steps reused from cache").
build() { # extra docker build flags...
  local log=$work/build.log started ended total cached
  started=$(date +%s.%N)
  if ! bash scripts/buildkit-docker.sh build --progress=plain "${secret[@]}" "${app_base_args[@]}" "$@" --tag "$tag" "$copy" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    exit 1
  fi
  ended=$(date +%s.%N)
  seconds=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", b - a }')
  # BuildKit numbers each step once (a step shared by stages too); FROM is not a step it runs.
  total=$(grep -E '^#[0-9]+ \[[a-z-]+ +[0-9]+/[0-9]+\] ' "$log" | grep -v '\] FROM ' | cut -d' ' -f1 | sort -u | wc -l)
  cached=$(grep -E '^#[0-9]+ CACHED' "$log" | cut -d' ' -f1 | sort -u | wc -l)
  steps="$cached of $total steps reused from cache"
}
image_id() { docker image inspect --format '{{.Id}}' "$tag"; }
megabytes() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

build --no-cache
cold_seconds=$seconds cold_steps=$steps
size=$(docker image inspect --format '{{.Size}}' "$tag")
base=$(pinned_base "$copy/Dockerfile")
base_size=$(docker image inspect --format '{{.Size}}' "$base")

# A one-line code change: the greeting's text, unique per run so no earlier build's cache matches.
marker="run $(date +%s%N)"
sed -i "s/\"Hello from berth\"/\"Hello from berth ($marker)\"/" "$copy/src/routes.ts"
grep -q "Hello from berth ($marker)" "$copy/src/routes.ts"
build
code_seconds=$seconds code_steps=$steps
before_docs=$(image_id)

# A docs-only change: a README next to the code.
printf '# The sample app\n\nDocs change at %s.\n' "$(date -u +%FT%TZ)" >"$copy/README.md"
build
docs_seconds=$seconds docs_steps=$steps
if [ "$(image_id)" = "$before_docs" ]; then docs_result="no-op: same image id"; else docs_result="NOT a no-op: the image id changed"; fi

# For comparison: the nginx image, built from nginx/ as it is (cached layers allowed).
bash scripts/buildkit-docker.sh build --quiet "${proxy_base_args[@]}" --tag "$proxy_tag" nginx >/dev/null
proxy_size=$(docker image inspect --format '{{.Size}}' "$proxy_tag")
proxy_base=$(pinned_base nginx/Dockerfile)
proxy_base_size=$(docker image inspect --format '{{.Size}}' "$proxy_base")

cat <<REPORT
app image figures ($(nproc) cores, $(date -u +%FT%TZ))
  runtime image size:                   $(megabytes "$size") (a root of its own, assembled from $base: $(megabytes "$base_size"))
  cold build (--no-cache):              ${cold_seconds} s ($cold_steps)
  rebuild after a one-line code change: ${code_seconds} s ($code_steps)
  rebuild after a docs-only change:     ${docs_seconds} s ($docs_steps; $docs_result)
  nginx image size:                     $(megabytes "$proxy_size") (a root of its own, assembled from $proxy_base: $(megabytes "$proxy_base_size"))
REPORT
