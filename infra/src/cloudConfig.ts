import { PROXY, STATE_ROOT } from "./agent/contract";
import { CW_AGENT_CONFIG_PATH, CW_AGENT_CTL, CW_AGENT_PACKAGE } from "./alarms";
import { INSTALL_HOST_KEY_PATH } from "./hostKeys";

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
  /** Where the machine's SSH host key comes from (its parameter's name only, never the key). */
  hostKey: HostKeyBootSettings;
  /**
   * The CloudWatch agent's config (alarms.ts, cloudWatchAgentConfig): with it, the agent is
   * installed from AL2023's repositories with the other packages and started. undefined: none.
   */
  cloudWatchAgentConfig?: string;
}

/** The first-boot step that gives a machine the host key the program generated and pinned. */
export interface HostKeyBootSettings {
  /** The SSM SecureString parameter holding the private key; the instance role may read only it. */
  parameterName: string;
  /** The parameter's region (the stack's). */
  region: string;
  /** infra/host/install-host-key. */
  script: string;
}

/** The write_files entry and the runcmd line (run first) that install the machine's host key. */
function hostKeyParts(hostKey: HostKeyBootSettings): { files: string[]; runcmd: string } {
  return {
    files: [
      `  - path: ${INSTALL_HOST_KEY_PATH}`,
      '    permissions: "0755"',
      `    content: ${q(hostKey.script)}`,
    ],
    runcmd: `  - [${INSTALL_HOST_KEY_PATH}, ${q(hostKey.parameterName)}, ${q(hostKey.region)}]`,
  };
}

/**
 * The bastion's cloud-config: only its host key (it runs no app and no docker). Like the hosts',
 * it carries the parameter's name, never the key.
 */
export function renderBastionCloudConfig(settings: {
  app: string;
  stack: string;
  hostKey: HostKeyBootSettings;
}): string {
  const hostKey = hostKeyParts(settings.hostKey);
  return [
    "#cloud-config",
    `# berth bastion for ${settings.app}/${settings.stack}; rendered by infra/src/cloudConfig.ts.`,
    "# No secrets: the SSH host key is fetched from SSM with the instance role at first boot.",
    "write_files:",
    ...hostKey.files,
    "runcmd:",
    hostKey.runcmd,
    "",
  ].join("\n");
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
  const hostKey = hostKeyParts(settings.hostKey);
  const cwAgent = settings.cloudWatchAgentConfig;
  const lines = [
    "#cloud-config",
    `# berth host for ${settings.app}/${settings.stack}; rendered by infra/src/cloudConfig.ts.`,
    "# No secrets: the app environment reaches the host only on the release's stdin, and the SSH",
    "# host key comes from SSM with the instance role (only its parameter's name is here).",
    // Not cloud-init's `packages:`, which tries once: the install script retries (infra/host/install-packages).
    "write_files:",
    ...hostKey.files,
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
    ...(cwAgent
      ? [
          `  - path: ${CW_AGENT_CONFIG_PATH}`,
          '    permissions: "0644"',
          `    content: ${q(cwAgent)}`,
        ]
      : []),
    "runcmd:",
    // First: sshd proves the pinned key as early as possible; the deployer's dial retries until then.
    hostKey.runcmd,
    cwAgent
      ? `  - [${INSTALL_PACKAGES_PATH}, ${CW_AGENT_PACKAGE}]`
      : `  - [${INSTALL_PACKAGES_PATH}]`,
    `  - [mkdir, -p, ${STATE_ROOT}]`,
    "  - [systemctl, enable, --now, docker.service]",
    ...(cwAgent
      ? [
          // fetch-config validates the file, writes the agent's TOML and (-s) starts and enables it.
          `  - [${CW_AGENT_CTL}, -a, fetch-config, -m, ec2, -s, -c, "file:${CW_AGENT_CONFIG_PATH}"]`,
        ]
      : []),
    "",
  ];
  return lines.join("\n");
}
