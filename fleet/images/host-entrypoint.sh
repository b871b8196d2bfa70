#!/usr/bin/env bash
# Boots a simulated host: dockerd in the background (containers with a restart policy come back),
# then sshd in the foreground. Runs again on every `docker restart`, like a reboot.
set -euo pipefail

# The registries the host pulls from, separated by spaces (the fleet's build registry and its prod
# registry): each one through the credential helper, over plain HTTP on the private fleet network.
read -r -a registries <<<"${BERTH_FLEET_REGISTRY:?BERTH_FLEET_REGISTRY is required}"

install -d -m 0700 -o ec2-user -g ec2-user /home/ec2-user/.ssh
printf '%s\n' "${BERTH_AUTHORIZED_KEY:?BERTH_AUTHORIZED_KEY is required}" >/home/ec2-user/.ssh/authorized_keys
chown ec2-user:ec2-user /home/ec2-user/.ssh/authorized_keys
chmod 0600 /home/ec2-user/.ssh/authorized_keys
ssh-keygen -A >/dev/null

# As cloud-init does on AWS: docker reaches the registry through the credential helper, for root
# (the agent runs through sudo) and for the login user.
client_config=$(jq -cn '{credHelpers: (reduce $ARGS.positional[] as $r ({}; .[$r] = "berth-fleet"))}' \
  --args "${registries[@]}")
install -d -m 0700 /root/.docker
printf '%s\n' "$client_config" >/root/.docker/config.json
install -d -m 0700 -o ec2-user -g ec2-user /home/ec2-user/.docker
printf '%s\n' "$client_config" >/home/ec2-user/.docker/config.json
chown ec2-user:ec2-user /home/ec2-user/.docker/config.json

mkdir -p /etc/docker /run/sshd
jq -cn '{"insecure-registries": $ARGS.positional, "log-driver": "json-file",
  "log-opts": {"max-size": "10m", "max-file": "3"}}' --args "${registries[@]}" >/etc/docker/daemon.json
# A restarted host keeps /run's pid files; stale ones stop dockerd and containerd from starting.
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
dockerd >/var/log/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && break
  sleep 0.5
done
# The stand-in for the systemd timer berth-agent installs on AWS (these hosts run no systemd): at
# each minute's start, the agent's own `tick` for every app whose schedule this host runs.
(
  while :; do
    sleep $((60 - 10#$(date +%S)))
    for schedule in /var/lib/berth/*/schedule.json; do
      if [ -f "$schedule" ] && [ -x /usr/local/bin/berth-agent ]; then
        read -r app stack < <(jq -r '"\(.app) \(.stack)"' "$schedule")
        /usr/local/bin/berth-agent tick --app "$app" --stack "$stack" >>/var/log/berth-schedule.log 2>&1 || true
      fi
    done
  done
) </dev/null &

exec /usr/sbin/sshd -D -e
