import { shellQuote } from "../../infra/src/agent/invocation";

/** One SSH endpoint. */
export interface Endpoint {
  /** What the operator calls it: host-1, i-0abc..., bastion. */
  name: string;
  address: string;
  port: number;
  user: string;
}

/** How to reach a stack's hosts: the same for the local fleet and AWS, only the values differ. */
export interface SshAccess {
  /** Private key file; omitted to use the operator's ssh-agent / ssh config. */
  identityFile?: string;
  /** known_hosts file the host keys are checked against. */
  knownHostsFile: string;
  /** "yes": the key must already be known (local fleet, pinned); "accept-new": trust on first use. */
  strictHostKeyChecking: "yes" | "accept-new";
  /** Jump host for hosts in private subnets. */
  bastion?: Endpoint;
}

function commonOptions(access: SshAccess): string[] {
  return [
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    `UserKnownHostsFile=${access.knownHostsFile}`,
    "-o",
    `StrictHostKeyChecking=${access.strictHostKeyChecking}`,
    ...(access.identityFile ? ["-i", access.identityFile, "-o", "IdentitiesOnly=yes"] : []),
  ];
}

/**
 * The `ssh` argv for one host, optionally with a remote command (one string, already quoted for
 * the remote shell) and a terminal. A bastion is crossed with an explicit ProxyCommand so the jump
 * gets the same key and host-key checks as the host itself (`-J` would not pass `-i` along).
 */
export function sshArgv(
  host: Endpoint,
  access: SshAccess,
  remoteCommand?: string,
  options: { tty?: boolean } = {},
): string[] {
  const proxy = access.bastion
    ? [
        "-o",
        `ProxyCommand=${[
          "ssh",
          ...commonOptions({ ...access, bastion: undefined }),
          "-p",
          String(access.bastion.port),
          "-W",
          "%h:%p",
          `${access.bastion.user}@${access.bastion.address}`,
        ]
          .map((word) => (word === "%h:%p" ? word : shellQuote(word)))
          .join(" ")}`,
      ]
    : [];
  return [
    "ssh",
    ...commonOptions(access),
    ...proxy,
    "-p",
    String(host.port),
    options.tty ? "-t" : "-T",
    `${host.user}@${host.address}`,
    ...(remoteCommand === undefined ? [] : ["--", remoteCommand]),
  ];
}
