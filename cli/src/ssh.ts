import { readFileSync } from "node:fs";
import { shellQuote } from "../../infra/src/agent/invocation";
import { fingerprintOf, publicKeyBlobOf } from "../../infra/src/sshKeys";
import { waitFor } from "../../fleet/src/wait";
import { lastLine } from "./run";

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

/** How a host answered one command: what `capture` returns. */
export interface HostOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command on one host with stdin, as `remote.Command` does on AWS. */
export type HostRunner = (
  host: Endpoint,
  command: string,
  stdin: string,
  onStderrLine?: (line: string) => void,
) => Promise<HostOutput>;

/** ssh's own exit code when it could not connect or authenticate; the agent never uses it. */
export const SSH_CONNECT_FAILED = 255;

/** A HostRunner over the `ssh` client with the stack's access (key, pinned host keys, bastion). */
export function sshRunner(
  access: SshAccess,
  capture: (
    argv: string[],
    onStderrLine?: (line: string) => void,
    stdin?: string,
  ) => Promise<HostOutput>,
): HostRunner {
  return (host, command, stdin, onStderrLine) =>
    capture(sshArgv(host, access, command), onStderrLine, stdin);
}

/**
 * Waits until a host runs a command over SSH. A published port accepts TCP before sshd listens
 * behind it, and a booting instance refuses for a while, so only a full session proves it; the
 * Pulumi provider retries its dial the same way on AWS. A host that proved its pinned key and then
 * refused the key twice in a row is not booting: that fails at once, naming host, user and key.
 */
export async function waitForSsh(
  host: Endpoint,
  run: HostRunner,
  {
    timeoutMs = 30_000,
    intervalMs = 300,
    key = "the key ssh offered",
  }: { timeoutMs?: number; intervalMs?: number; key?: string } = {},
): Promise<void> {
  let refusals = 0;
  const outcome = await waitFor(
    `${host.name} (${host.address}:${host.port}) to accept SSH`,
    async () => {
      const result = await run(host, "true", "");
      if (result.code === 0) return "ready";
      refusals = PERMISSION_DENIED.test(result.stderr) ? refusals + 1 : 0;
      if (refusals >= 2) return "refused";
      throw new Error(lastLine(result.stderr) || `exit code ${result.code}`);
    },
    { timeoutMs, intervalMs },
  );
  if (outcome === "refused")
    throw new Error(
      `${host.name} (${host.user}@${host.address}:${host.port}) proved its pinned host key and then refused ${key} for ${host.user} (Permission denied): use the key the host was launched with (berth -i FILE, or the stack's deploy key)`,
    );
}

/** OpenSSH's refusal, printed only after the host key was verified. */
const PERMISSION_DENIED = /Permission denied \(/;

/** The identity an `SshAccess` offers, for messages: its fingerprint and file, or the agent's. */
export function describeIdentity(access: SshAccess): string {
  if (!access.identityFile) return "the keys your ssh-agent and ssh config offer";
  try {
    const blob = publicKeyBlobOf(readFileSync(access.identityFile, "utf8"));
    return `the key ${fingerprintOf(blob)} (${access.identityFile})`;
  } catch {
    return `the key in ${access.identityFile}`;
  }
}
