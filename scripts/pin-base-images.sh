#!/usr/bin/env bash
# Refreshes the base-image pins: every `ARG <NAME>_IMAGE=name:tag[@sha256:...]` line of the
# project's Dockerfiles gets the digest the registry serves for name:tag today (the digest of the
# top-level manifest, a multi-platform index for the official images, so t3 and t4g hosts both
# match). Needs a registry that answers (Docker Hub for the official images) and skopeo; where
# none answers it changes nothing and fails with one line. Review and commit the diff it leaves.
# Usage: scripts/pin-base-images.sh [DOCKERFILE...]   (default: app-image and nginx)
set -euo pipefail
cd "$(dirname "$0")/.."

dockerfiles=("$@")
if [ "${#dockerfiles[@]}" -eq 0 ]; then dockerfiles=(app-image/Dockerfile nginx/Dockerfile); fi
pin_line='^ARG ([A-Za-z_][A-Za-z0-9_]*_IMAGE)=([^@[:space:]]+:[^@[:space:]]+)(@sha256:[0-9a-f]{64})?[[:space:]]*$'

if ! command -v skopeo >/dev/null 2>&1; then
  echo "pin-base-images: skopeo is not installed (npm run setup installs it on Debian); no pin changed" >&2
  exit 1
fi

# node:20-bookworm-slim -> docker://docker.io/library/node:20-bookworm-slim; a reference with its
# own registry host (a dot, a colon or "localhost" before the first slash) is used as it is.
transport_reference() {
  local reference=$1 first=${1%%/*}
  if [[ $reference != */* ]]; then
    echo "docker://docker.io/library/$reference"
  elif [[ $first == *.* || $first == *:* || $first == localhost ]]; then
    echo "docker://$reference"
  else
    echo "docker://docker.io/$reference"
  fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Resolve every reference first: a registry that does not answer leaves every file unchanged.
declare -A digest_of=()
for file in "${dockerfiles[@]}"; do
  [ -f "$file" ] || { echo "pin-base-images: $file does not exist; no pin changed" >&2; exit 1; }
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ $pin_line ]] || continue
    reference=${BASH_REMATCH[2]}
    [ -z "${digest_of[$reference]:-}" ] || continue
    source=$(transport_reference "$reference")
    if ! timeout 120 skopeo inspect --raw --retry-times 1 "$source" >"$work/manifest" 2>"$work/error"; then
      reason=$(grep -v '^[[:space:]]*$' "$work/error" | tail -n 1 || true)
      echo "pin-base-images: no registry answered for $reference ($source: ${reason:-timed out}); no pin changed" >&2
      exit 1
    fi
    digest_of[$reference]=sha256:$(sha256sum "$work/manifest" | cut -d' ' -f1)
  done <"$file"
done

if [ "${#digest_of[@]}" -eq 0 ]; then
  echo "pin-base-images: no ARG <NAME>_IMAGE=name:tag line in ${dockerfiles[*]}; nothing to pin" >&2
  exit 1
fi

for file in "${dockerfiles[@]}"; do
  : >"$work/rewritten"
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ $pin_line ]]; then
      line="ARG ${BASH_REMATCH[1]}=${BASH_REMATCH[2]}@${digest_of[${BASH_REMATCH[2]}]}"
    fi
    printf '%s\n' "$line" >>"$work/rewritten"
  done <"$file"
  if ! cmp -s "$work/rewritten" "$file"; then
    cat "$work/rewritten" >"$file"
    echo "pin-base-images: updated $file" >&2
  fi
done
for reference in "${!digest_of[@]}"; do
  echo "$reference@${digest_of[$reference]}"
done | sort
