# A simulated EC2 host: its own dockerd and sshd, a non-root login user with passwordless sudo
# (like ec2-user), and jq for the deploy agent. The fleet installs the agent itself over SSH, the
# way cloud-init lays it down on AWS.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      docker.io iptables openssh-server sudo jq procps ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --shell /bin/bash berth \
 && echo 'berth ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/berth \
 && chmod 0440 /etc/sudoers.d/berth \
 && rm -f /etc/ssh/ssh_host_* \
 && printf '%s\n' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'PermitRootLogin no' 'AllowUsers berth' \
      >/etc/ssh/sshd_config.d/berth.conf
COPY host-entrypoint.sh /usr/local/sbin/host-entrypoint
ENTRYPOINT ["/usr/local/sbin/host-entrypoint"]
