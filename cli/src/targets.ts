import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { APP_NAME } from "../../infra/src/agent/contract";
import { CliError, PulumiRunner, readStackOutputs, runPulumiCli } from "./pulumi";
import { Endpoint, SshAccess } from "./ssh";

export const REPO_ROOT = resolve(__dirname, "..", "..");

/** The name of the stack that is the local fleet (`npm start`), not an AWS stack. */
export const LOCAL_STACK = "local";

/** Everything the CLI needs about a stack: which app, which hosts, and how to reach them. */
export interface Target {
  /** The stack name as the operator typed it. */
  stack: string;
  kind: "local" | "aws";
  /** The app and stack names the agent knows the release by (container labels, state dir). */
  app: string;
  agentStack: string;
  hosts: Endpoint[];
  access: SshAccess;
  /** The public URL, when known. */
  url?: string;
}

/** Stacks the operator can name: the local fleet plus every `Pulumi.<stack>.yaml` in the repo. */
export function knownStacks(root = REPO_ROOT): string[] {
  const aws = readdirSync(root)
    .map((file) => /^Pulumi\.([a-z0-9][a-z0-9-]*)\.yaml$/.exec(file)?.[1])
    .filter((name): name is string => Boolean(name))
    .sort();
  return [LOCAL_STACK, ...aws];
}

export function assertKnownStack(stack: string, root = REPO_ROOT): void {
  const stacks = knownStacks(root);
  if (!stacks.includes(stack))
    throw new CliError(
      `unknown stack "${stack}": use one of ${stacks.join(", ")} (AWS stacks are the Pulumi.<stack>.yaml files in the repository root)`,
      2,
    );
}

/** A stack's config file, parsed (the `config:` map). */
export function readStackConfig(stack: string, root = REPO_ROOT): Record<string, unknown> {
  const file = join(root, `Pulumi.${stack}.yaml`);
  const doc = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  return doc?.config ?? {};
}

interface HostOutput {
  name?: unknown;
  id?: unknown;
  privateIp?: unknown;
  publicIp?: unknown;
  address?: unknown;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * Reads what the CLI needs from an AWS stack's outputs: `hosts` (a list of
 * {name, privateIp, publicIp}), `bastion` ({publicIp} or null), `sshUser` and `url`. Hosts are
 * reached on their public address when they have one and no bastion is in the way, otherwise on
 * their private address through the bastion.
 */
export function hostsFromOutputs(
  stack: string,
  outputs: Record<string, unknown>,
): { hosts: Endpoint[]; bastion?: Endpoint; url?: string } {
  const user = text(outputs.sshUser) ?? "ec2-user";
  const rawBastion = outputs.bastion as HostOutput | string | null | undefined;
  const bastionAddress =
    typeof rawBastion === "string"
      ? rawBastion
      : (text(rawBastion?.publicIp) ?? text(rawBastion?.address));
  const bastion = bastionAddress
    ? { name: "bastion", address: bastionAddress, port: 22, user }
    : undefined;
  if (!Array.isArray(outputs.hosts) || outputs.hosts.length === 0)
    throw new CliError(
      `stack "${stack}" has no "hosts" output: run pulumi up -s ${stack} first (or check that the program exports hosts)`,
    );
  const hosts = (outputs.hosts as HostOutput[]).map((host, index) => {
    const address = bastion
      ? (text(host.privateIp) ?? text(host.address))
      : (text(host.publicIp) ?? text(host.address) ?? text(host.privateIp));
    if (!address)
      throw new CliError(
        `stack "${stack}" output hosts[${index}] has no address (want publicIp or privateIp)`,
      );
    return {
      name: text(host.name) ?? text(host.id) ?? `host-${index + 1}`,
      address,
      port: 22,
      user,
    };
  });
  return { hosts, bastion, url: text(outputs.url) };
}

/** An AWS stack: hosts from `pulumi stack output`, app name from its config file. */
export function awsTarget(
  stack: string,
  options: { identityFile?: string; root?: string; run?: PulumiRunner } = {},
): Target {
  const root = options.root ?? REPO_ROOT;
  const config = readStackConfig(stack, root);
  const app = text(config["berth:app"]);
  if (!app)
    throw new CliError(
      `Pulumi.${stack}.yaml sets no berth:app: pulumi config set berth:app NAME -s ${stack}`,
    );
  if (!APP_NAME.test(app))
    throw new CliError(
      `Pulumi.${stack}.yaml: berth:app must be 2-20 lowercase letters, digits or dashes, starting with a letter (got ${JSON.stringify(app)})`,
    );
  const outputs = readStackOutputs(stack, options.run ?? runPulumiCli);
  const { hosts, bastion, url } = hostsFromOutputs(stack, outputs);
  const knownHostsDir = join(root, ".berth");
  const pinned = pinnedKnownHosts(
    [...hosts, ...(bastion ? [bastion] : [])],
    pinnedHostKeys(config, outputs),
  );
  let knownHostsFile = join(knownHostsDir, `known_hosts.${stack}`);
  if (pinned !== null) {
    knownHostsFile = join(knownHostsDir, `known_hosts.${stack}.pinned`);
    mkdirSync(knownHostsDir, { recursive: true });
    writeFileSync(knownHostsFile, pinned, { mode: 0o600 });
  }
  return {
    stack,
    kind: "aws",
    app,
    agentStack: stack,
    hosts,
    url,
    access: {
      identityFile: options.identityFile,
      knownHostsFile,
      // With a key for every host and the bastion (the program's `hostKeys` output: the keys it
      // generated and pins itself), only those keys are accepted. Only a stack last deployed
      // before berth generated keys lacks them: then trust on first use, in a file of berth's
      // own so a rebuilt host cannot silently reuse an address whose key the operator's
      // ~/.ssh/known_hosts remembers differently.
      strictHostKeyChecking: pinned !== null ? "yes" : "accept-new",
      bastion,
    },
  };
}

function stringEntries(keys: unknown): Record<string, string> {
  if (!keys || typeof keys !== "object") return {};
  return Object.fromEntries(
    Object.entries(keys as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

/**
 * The host keys the program pins, per host-N and bastion: its `hostKeys` output (the keys it
 * generated, overrides applied), then berth:ssh.hostKeys from the stack's config file on top
 * (the same override, for a stack whose outputs predate the `hostKeys` output).
 */
export function pinnedHostKeys(
  config: Record<string, unknown>,
  outputs: Record<string, unknown>,
): Record<string, string> {
  const ssh = config["berth:ssh"] as { hostKeys?: unknown } | undefined;
  return { ...stringEntries(outputs.hostKeys), ...stringEntries(ssh?.hostKeys) };
}

/**
 * known_hosts text pinning each endpoint to its key (by host-N or bastion, from
 * {@link pinnedHostKeys}), or null when any endpoint has no key there.
 */
export function pinnedKnownHosts(
  endpoints: Endpoint[],
  hostKeys: Record<string, string>,
): string | null {
  const lines: string[] = [];
  for (const endpoint of endpoints) {
    const key = hostKeys[endpoint.name]?.trim().split(/\s+/).slice(0, 2).join(" ");
    if (!key) return null;
    const address =
      endpoint.port === 22 ? endpoint.address : `[${endpoint.address}]:${endpoint.port}`;
    lines.push(`${address} ${key}`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : null;
}

export function findHost(target: Target, name: string | undefined): Endpoint {
  if (name === undefined) return target.hosts[0] as Endpoint;
  const host = target.hosts.find((h) => h.name === name || h.address === name);
  if (!host)
    throw new CliError(
      `unknown host "${name}" in stack ${target.stack}: use one of ${target.hosts.map((h) => h.name).join(", ")}`,
      2,
    );
  return host;
}

export function fileIfExists(path: string): string | undefined {
  return existsSync(path) ? path : undefined;
}
