#!/usr/bin/env bash
# The nginx container's entrypoint: renders, under /etc/nginx/runtime,
#   trusted-proxies.conf   from TRUSTED_PROXY_CIDRS (the networks whose X-Forwarded-For is
#                          believed: the VPC)
#   client-keepalive.conf  from CLIENT_KEEPALIVE_SECONDS (how long an idle client connection stays
#                          open; on AWS the ALB idle timeout + 15 s, from the hosts' proxy env file)
# then runs the command (nginx). A malformed value stops the container with one line that names it.
set -euo pipefail

runtime=/etc/nginx/runtime
# 75 s suits the ALB's default idle timeout (60 s); the maximum is infra/src/config.ts's
# NGINX_MAX_KEEPALIVE_SECONDS.
keepalive=${CLIENT_KEEPALIVE_SECONDS:-75}
readonly max_keepalive=3600
if ! [[ $keepalive =~ ^[0-9]{1,5}$ ]] || ((10#$keepalive < 1 || 10#$keepalive > max_keepalive)); then
  echo "config error: CLIENT_KEEPALIVE_SECONDS must be a whole number of seconds from 1 to $max_keepalive (got \"$keepalive\")" >&2
  exit 78
fi
keepalive=$((10#$keepalive))

target=$runtime/trusted-proxies.conf
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

printf '# Rendered from CLIENT_KEEPALIVE_SECONDS at container start; do not edit.\nkeepalive_timeout %ss;\n' \
  "$keepalive" >"$runtime/client-keepalive.conf.tmp"
mv "$runtime/client-keepalive.conf.tmp" "$runtime/client-keepalive.conf"

exec "$@"
