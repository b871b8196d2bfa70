#!/usr/bin/env bash
# The nginx container's entrypoint: renders /etc/nginx/runtime/trusted-proxies.conf from
# TRUSTED_PROXY_CIDRS (the networks whose X-Forwarded-For is believed: the VPC), then runs the
# command (nginx). A malformed entry stops the container with one line that names it.
set -euo pipefail

target=/etc/nginx/runtime/trusted-proxies.conf
ipv4='^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(/([0-9]{1,2}))?$'
ipv6='^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(/([0-9]{1,3}))?$'

fail() {
  echo "config error: TRUSTED_PROXY_CIDRS $1 (got \"${TRUSTED_PROXY_CIDRS:-}\")" >&2
  exit 78
}

valid_cidr() {
  local entry=$1 part
  if [[ $entry =~ $ipv4 ]]; then
    for part in "${BASH_REMATCH[@]:1:4}"; do
      ((10#$part <= 255)) || return 1
    done
    [[ -z ${BASH_REMATCH[6]} ]] || ((10#${BASH_REMATCH[6]} <= 32))
  elif [[ $entry =~ $ipv6 ]]; then
    [[ -z ${BASH_REMATCH[2]} ]] || ((10#${BASH_REMATCH[2]} <= 128))
  else
    return 1
  fi
}

rendered="# Rendered from TRUSTED_PROXY_CIDRS at container start; do not edit."$'\n'
read -r -a entries <<<"${TRUSTED_PROXY_CIDRS//,/ }"
for entry in "${entries[@]}"; do
  valid_cidr "$entry" || fail "has \"$entry\", which is not an IP address or CIDR like 10.0.0.0/16"
  rendered+="set_real_ip_from $entry;"$'\n'
done
printf '%s' "$rendered" >"$target.tmp"
mv "$target.tmp" "$target"

exec "$@"
