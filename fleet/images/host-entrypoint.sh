#!/usr/bin/env bash
# Boots a simulated host: dockerd in the background (containers with a restart policy come back),
# then sshd in the foreground. Runs again on every `docker restart`, like a reboot.
set -euo pipefail

install -d -m 0700 -o berth -g berth /home/berth/.ssh
printf '%s\n' "${BERTH_AUTHORIZED_KEY:?BERTH_AUTHORIZED_KEY is required}" >/home/berth/.ssh/authorized_keys
chown berth:berth /home/berth/.ssh/authorized_keys
chmod 0600 /home/berth/.ssh/authorized_keys
ssh-keygen -A >/dev/null

mkdir -p /etc/docker /run/sshd
printf '{"insecure-registries":["%s"],"log-driver":"json-file","log-opts":{"max-size":"10m","max-file":"3"}}\n' \
  "${BERTH_INSECURE_REGISTRY:?BERTH_INSECURE_REGISTRY is required}" >/etc/docker/daemon.json
# A restarted host keeps /run's pid files; stale ones stop dockerd and containerd from starting.
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
dockerd >/var/log/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && break
  sleep 0.5
done
exec /usr/sbin/sshd -D -e
