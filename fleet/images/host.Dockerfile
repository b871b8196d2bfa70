# A simulated EC2 host: its own dockerd and sshd, the login user `ec2-user` with passwordless sudo
# (as on Amazon Linux 2023), jq for the deploy agent, and a docker credential helper standing in
# for docker-credential-ecr-login. No agent: every rollout installs it over SSH, checksummed, as
# on AWS.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      docker.io iptables openssh-server sudo jq procps ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --shell /bin/bash ec2-user \
 && echo 'ec2-user ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/ec2-user \
 && chmod 0440 /etc/sudoers.d/ec2-user \
 && rm -f /etc/ssh/ssh_host_* \
 && printf '%s\n' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'PermitRootLogin no' 'AllowUsers ec2-user' \
      >/etc/ssh/sshd_config.d/berth.conf
COPY docker-credential-berth-fleet /usr/local/bin/docker-credential-berth-fleet
COPY host-entrypoint.sh /usr/local/sbin/host-entrypoint
ENTRYPOINT ["/usr/local/sbin/host-entrypoint"]
