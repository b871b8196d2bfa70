import { PROXY, STATE_ROOT } from "./agent/contract";

/** What a host needs at first boot. Nothing here may be secret: user-data is readable by anyone
 * with ec2:DescribeInstanceAttribute and from inside the instance. */
export interface HostBootSettings {
  app: string;
  stack: string;
  /** Registries (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com) docker reaches through the
   * ECR credential helper, which signs in with the instance profile: no password anywhere. */
  registryHosts: string[];
  /** The ALB's address range: nginx trusts X-Forwarded-For only from here. */
  trustedProxyCidr: string;
  /** How long nginx keeps an idle client connection: above the ALB's idle timeout (see
   * nginxClientKeepaliveSeconds in config.ts). Hosts get it at first boot only. */
  clientKeepaliveSeconds: number;
  /** infra/host/install-packages: installs docker, jq and the ECR credential helper, with retries. */
  installPackagesScript: string;
}

/** Where the package install script lands on the host. */
export const INSTALL_PACKAGES_PATH = "/usr/local/sbin/berth-install-packages";

/** A YAML double-quoted scalar (JSON string syntax is valid YAML). */
const q = (value: string): string => JSON.stringify(value);

/** The docker client config that routes the registries through docker-credential-ecr-login. */
export function dockerClientConfig(registryHosts: string[]): string {
  const helpers = Object.fromEntries(
    [...new Set(registryHosts)].sort().map((h) => [h, "ecr-login"]),
  );
  return JSON.stringify({ credHelpers: helpers });
}

/** /etc/docker/daemon.json: bounded local logs; live-restore keeps containers up across dockerd restarts. */
export const DOCKER_DAEMON_JSON = JSON.stringify({
  "log-driver": "local",
  "log-opts": { "max-size": "20m", "max-file": "5" },
  "live-restore": true,
});

/**
 * The cloud-config (Amazon Linux 2023) that prepares a host: Docker, jq (the agent reads its
 * JSON with it), the ECR credential helper and its config, and the host's identity file. The
 * agent comes with the first release (installed over SSH, checksummed) and starts nginx and the
 * app.
 */
export function renderCloudConfig(settings: HostBootSettings): string {
  const hostEnv = `BERTH_APP=${settings.app}\nBERTH_STACK=${settings.stack}\n`;
  // The nginx image renders set_real_ip_from from TRUSTED_PROXY_CIDRS and keepalive_timeout from
  // CLIENT_KEEPALIVE_SECONDS; the agent hands this file to the proxy container (docker run
  // --env-file) when it creates it.
  const proxyEnv =
    `TRUSTED_PROXY_CIDRS=${settings.trustedProxyCidr}\n` +
    `CLIENT_KEEPALIVE_SECONDS=${settings.clientKeepaliveSeconds}\n`;
  const lines = [
    "#cloud-config",
    `# berth host for ${settings.app}/${settings.stack}; rendered by infra/src/cloudConfig.ts.`,
    "# No secrets: the app environment reaches the host only on the release's stdin.",
    // Not cloud-init's `packages:`, which tries once: the install script retries (infra/host/install-packages).
    "write_files:",
    `  - path: ${INSTALL_PACKAGES_PATH}`,
    '    permissions: "0755"',
    `    content: ${q(settings.installPackagesScript)}`,
    // Root's only: docker runs as root, from the agent under `sudo -n`, and AL2023's sudoers
    // (env_reset, always_set_home, HOME not in env_keep) sets HOME=/root for it, so docker reads
    // /root/.docker. ec2-user cannot use docker (not in the docker group) and needs none.
    "  - path: /root/.docker/config.json",
    '    permissions: "0600"',
    `    content: ${q(dockerClientConfig(settings.registryHosts))}`,
    "  - path: /etc/berth/host.env",
    '    permissions: "0644"',
    `    content: ${q(hostEnv)}`,
    `  - path: ${PROXY.envFile}`,
    '    permissions: "0644"',
    `    content: ${q(proxyEnv)}`,
    "  - path: /etc/docker/daemon.json",
    '    permissions: "0644"',
    "    defer: true",
    `    content: ${q(DOCKER_DAEMON_JSON)}`,
    "runcmd:",
    `  - [${INSTALL_PACKAGES_PATH}]`,
    `  - [mkdir, -p, ${STATE_ROOT}]`,
    "  - [systemctl, enable, --now, docker.service]",
    "",
  ];
  return lines.join("\n");
}
