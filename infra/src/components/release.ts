import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { AGENT_PATH, RegistryLogin, ReleaseSpec } from "../agent/contract";
import {
  configHash,
  renderDeployCommand,
  renderDeployStdin,
  shellQuote,
} from "../agent/invocation";
import { AgentScript } from "../files";
import { rolloutPlan } from "../naming";

/** The user cloud-init creates on Amazon Linux 2023 (passwordless sudo); root logins are off. */
export const SSH_USER = "ec2-user";

/**
 * SSH dial settings for a host that may still be booting. The provider retries a failed dial
 * with little or no pause (pulumi-command#1238), so a fixed count can run out in seconds while
 * sshd is not up yet: retry without limit and let the resource timeout bound the wait.
 */
export const DIAL = { dialErrorLimit: -1, perDialTimeout: 15 } as const;

/** Upper bound for one host's step, boot wait included. */
export const STEP_TIMEOUT = "20m";

/**
 * Waits until cloud-init has finished (Docker, jq, the credential helper installed), then
 * replaces the agent atomically with stdin and checks its sha256: a half-written agent never
 * runs. Exit 2 from `cloud-init status` means "done with warnings" on newer cloud-init.
 */
export function renderInstallAgentCommand(
  agentSha256: string,
  agentPath: string = AGENT_PATH,
): string {
  const target = shellQuote(agentPath);
  return [
    "set -eu",
    "rc=0; cloud-init status --wait </dev/null >/dev/null || rc=$?",
    'if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then echo "cloud-init failed on $(hostname) (exit $rc): see /var/log/cloud-init-output.log" >&2; exit 1; fi',
    `tmp=$(sudo -n mktemp ${target}.XXXXXX)`,
    "trap 'sudo -n rm -f \"$tmp\"' EXIT",
    'sudo -n tee "$tmp" >/dev/null',
    `echo ${shellQuote(`${agentSha256}  `)}"$tmp" | sudo -n sha256sum --check --quiet -`,
    'sudo -n chmod 0755 "$tmp"',
    `sudo -n mv -f "$tmp" ${target}`,
    `echo "berth-agent ${agentSha256.slice(0, 12)} installed"`,
  ].join("\n");
}

/** What makes a host's release run again: exactly the image, the config and the agent. */
export function releaseTriggers(spec: ReleaseSpec, agentSha256: string): string[] {
  return [spec.image, configHash(spec), agentSha256];
}

/** The agent's last stdout line is a one-line JSON summary; anything else is kept as text. */
export function parseAgentSummary(stdout: string): unknown {
  const last = stdout.trimEnd().split("\n").pop() ?? "";
  try {
    return JSON.parse(last);
  } catch {
    return { outcome: "unknown", stdout: last };
  }
}

export interface ReleaseTarget {
  /** `host-1`, ...: names the commands. */
  name: string;
  /** The address to SSH to: a public IP, or a private one (through the bastion or a VPN). */
  address: pulumi.Input<string>;
  /** The host's SSH public key when known (pinned in config after first boot). */
  hostKey?: string;
  /** What the host's command waits on besides the previous batch (the instance itself). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

export interface ReleaseArgs {
  /** The hosts in rollout order. */
  targets: ReleaseTarget[];
  /** Hosts per batch; batch N starts only after every host of batch N-1 succeeded. */
  batchSize: number;
  /** Whether the spec has a release command: then the first host goes alone, running it. */
  releaseCommand: boolean;
  /** The release: image and proxy by digest, process spec, environment (secret values inside). */
  spec: pulumi.Output<ReleaseSpec>;
  /** How hosts log in to the registry; `helper` on AWS (no password anywhere). */
  registry: pulumi.Input<RegistryLogin>;
  /** The agent script to install (and whose hash is a trigger). */
  agent: AgentScript;
  /** The deployer's SSH private key (a secret). */
  privateKey: pulumi.Output<string>;
  /** The bastion's public address, when hosts are only reachable through it. */
  bastionAddress?: pulumi.Input<string>;
  /** The bastion's SSH public key when known. */
  bastionHostKey?: string;
}

/** One host's result: the agent's JSON summary line. */
export type ReleaseSummary = pulumi.Output<unknown>;

/**
 * The rolling release: per host, install the agent, then run `berth-agent deploy`, batch after
 * batch (the first host alone when there is a release command, see rolloutPlan). A failed host fails `pulumi up` and the later batches never start (their commands
 * depend on it), so untouched hosts keep serving the previous release.
 */
export class Release extends pulumi.ComponentResource {
  /** Per host name, the agent's summary of the release it ran. */
  public readonly summaries: Record<string, ReleaseSummary>;

  constructor(name: string, args: ReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:release:Release", name, {}, opts);

    // A new instance's host key exists only after it boots (generating it ahead would put a
    // private key into user-data), so it is verified only once pinned in config
    // (berth:ssh.hostKeys); until then the path to the host is our own VPC or the bastion.
    const connectionFor = (target: ReleaseTarget): command.types.input.remote.ConnectionArgs => ({
      host: target.address,
      user: SSH_USER,
      privateKey: args.privateKey,
      hostKey: target.hostKey,
      ...DIAL,
      proxy: args.bastionAddress
        ? {
            host: args.bastionAddress,
            user: SSH_USER,
            privateKey: args.privateKey,
            hostKey: args.bastionHostKey,
            ...DIAL,
          }
        : undefined,
    });

    // The command line carries only the image and the config hash; the hash covers the
    // environment, so it inherits its secrecy. It is a sha256 and reveals no value: unsecret it
    // so diffs stay readable. The stdin (with the environment) stays secret.
    // The release command (migrations) runs once per rollout, on the first host; the others skip it.
    const deployCommandFor = (first: boolean) =>
      pulumi.unsecret(
        args.spec.apply((spec) =>
          renderDeployCommand(spec, AGENT_PATH, { skipReleaseCommand: !first }),
        ),
      );
    const triggers = pulumi.unsecret(
      args.spec.apply((spec) => releaseTriggers(spec, args.agent.sha256)),
    );
    const stdin = pulumi.secret(
      pulumi
        .all([args.spec, args.registry])
        .apply(([spec, registry]) => renderDeployStdin(spec, registry)),
    );

    this.summaries = {};
    let previousBatch: pulumi.Resource[] = [];
    const plan = rolloutPlan(args.targets, args.batchSize, args.releaseCommand);
    for (const batch of plan) {
      const thisBatch: pulumi.Resource[] = [];
      for (const target of batch) {
        const connection = connectionFor(target);
        const deployCommand = deployCommandFor(target === args.targets[0]);
        const install = new command.remote.Command(
          `${name}-${target.name}-agent`,
          {
            connection,
            create: renderInstallAgentCommand(args.agent.sha256),
            stdin: args.agent.content,
            triggers: [args.agent.sha256],
          },
          {
            parent: this,
            dependsOn: [...target.dependsOn, ...previousBatch],
            customTimeouts: { create: STEP_TIMEOUT, update: STEP_TIMEOUT },
          },
        );
        const deploy = new command.remote.Command(
          `${name}-${target.name}`,
          {
            connection,
            create: deployCommand,
            // The docs say a trigger change with `update` set is an update, but the provider marks
            // triggers replaceOnChanges (pulumi-command#855), so expect a replacement. Either way
            // the deploy runs exactly once: `update` is `create`, and there is no delete.
            update: deployCommand,
            // No delete: the agent on the host owns the old containers. A replacement creates the
            // new resource before deleting the old one; a delete that stopped containers would
            // kill the release that was just started.
            stdin,
            triggers,
            // Secrets flow on stdin; a failing release command may print them on stderr.
            logging: "none",
          },
          {
            parent: this,
            dependsOn: [install, ...previousBatch],
            additionalSecretOutputs: ["stderr"],
            customTimeouts: { create: STEP_TIMEOUT, update: STEP_TIMEOUT },
          },
        );
        this.summaries[target.name] = deploy.stdout.apply(parseAgentSummary);
        thisBatch.push(deploy);
      }
      previousBatch = thisBatch;
    }

    this.registerOutputs({ summaries: this.summaries });
  }
}
