/**
 * Host identity: every host and the bastion get an ed25519 SSH host key the program generates
 * (`tls.PrivateKey`) before the instance exists. The private half is a Pulumi secret that goes
 * into one SSM SecureString parameter per machine, which only that machine's role may read; the
 * instance fetches it at first boot (infra/host/install-host-key) and makes it sshd's only host
 * key. The public half is pinned in every `remote.Command` connection and in the operator CLI's
 * known_hosts. User data carries the parameter's name, never the key. Everything here is pure.
 */

/** Where the first-boot host key installer lands on a host or the bastion. */
export const INSTALL_HOST_KEY_PATH = "/usr/local/sbin/berth-install-host-key";

/** SSM's Standard tier holds values of up to 4 KB (an ed25519 OpenSSH key is about 400 bytes). */
export const SSM_STANDARD_MAX_VALUE_BYTES = 4096;

/**
 * The SSM parameter that holds a machine's host private key: one path per stack, one leaf per
 * machine (`host-1`, ..., `bastion`), so a role's read grant can name exactly one parameter.
 */
export function hostKeyParameterName(app: string, stack: string, machine: string): string {
  return `/berth/${app}/${stack}/host-keys/${machine}`;
}

/** The first two words (`type base64`) of an OpenSSH public key line, as known_hosts wants it. */
export function hostKeyLine(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
}

/**
 * The policy that lets a role read its machine's host key parameter and nothing else. The value
 * is encrypted with the account's AWS managed key `aws/ssm`, whose key policy lets any principal
 * of the account decrypt through SSM: no kms statement is needed.
 */
export function hostKeyReadStatement(parameterArns: string[]): Record<string, unknown> {
  return {
    Sid: "ReadOwnHostKey",
    Effect: "Allow",
    Action: "ssm:GetParameter",
    Resource: [...new Set(parameterArns)].sort(),
  };
}

/** A role policy with only {@link hostKeyReadStatement}: the bastion's. */
export function hostKeyReadPolicy(parameterArns: string[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [hostKeyReadStatement(parameterArns)],
  });
}

/** What a connection pins: the host's key, and the bastion's when the connection goes through one. */
export interface PinnedConnection {
  /** host-1, ...: named in the refusal. */
  host: string;
  hostKey: string | undefined;
  /** Present when the host is reached through the bastion. */
  bastion?: { hostKey: string | undefined };
}

/**
 * Why a deploy must not send its stdin over this connection, or undefined. The stdin carries the
 * release's secrets (berth:secretEnv, a registry password); over an unpinned connection whoever
 * answers at the address (or poses as the bastion) would receive them.
 */
export function unpinnedSecretsProblem(
  connection: PinnedConnection,
  secretNames: string[],
): string | undefined {
  if (secretNames.length === 0) return undefined;
  const missing = [
    ...(connection.hostKey?.trim() ? [] : [`${connection.host}'s`]),
    ...(connection.bastion && !connection.bastion.hostKey?.trim() ? ["the bastion's"] : []),
  ];
  if (missing.length === 0) return undefined;
  return `refusing to deploy to ${connection.host}: its stdin carries secrets (${secretNames.join(", ")}) and ${missing.join(" and ")} SSH host key is not pinned, so any machine answering at that address would receive them; pin it (the program pins the key it generates; berth:ssh.hostKeys overrides)`;
}
