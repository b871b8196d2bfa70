import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  AgentSummary,
  HOST_LOGIN_USER,
  RegistryLogin,
  ReleaseSpec,
  parseAgentSummary,
} from "../agent/contract";
import {
  AgentScript,
  HostPlan,
  RolloutPlan,
  planAgentInstall,
  planRollout,
  rolloutOrder,
} from "../rollout/plan";
import { ConfigError } from "../config";
import { hostKeyLine, unpinnedSecretsProblem } from "../hostKeys";
import { SshEndpoint } from "../sshLogin";
import { SshReady } from "./sshReady";

/** The user cloud-init creates on Amazon Linux 2023 (passwordless sudo); root logins are off. */
export const SSH_USER = HOST_LOGIN_USER;

/**
 * SSH dial settings for a host that may still be booting. The provider retries a failed dial
 * with little or no pause (pulumi-command#1238), so a fixed count can run out in seconds while
 * sshd is not up yet: retry without limit and let the resource timeout bound the wait. It retries
 * a refused key the same way, which is why every host's commands wait on its `SshReady` login
 * first: that one fails in seconds on a refusal.
 */
export const DIAL = { dialErrorLimit: -1, perDialTimeout: 15 } as const;

/** Upper bound for one host's step, boot wait included. */
export const STEP_TIMEOUT = "20m";

export interface ReleaseTarget {
  /** `host-1`, ...: names the commands. */
  name: string;
  /** The address to SSH to: a public IP, or a private one (through the bastion or a VPN). */
  address: pulumi.Input<string>;
  /**
   * The host's SSH public key line, pinned in the connection: the key the program generated for
   * the host (or berth:ssh.hostKeys' override). Without one, the provider checks no key at all,
   * so a deploy whose stdin carries secrets is refused.
   */
  hostKey?: pulumi.Input<string>;
  /** What the host's command waits on besides the previous batch (the instance itself). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

export interface ReleaseArgs {
  /** The hosts in rollout order. */
  targets: ReleaseTarget[];
  /** Hosts per batch; batch N starts only after every host of batch N-1 succeeded. */
  batchSize: number;
  /** Whether the spec has a release command (known from config before the spec is). */
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
  /** The bastion's SSH public key line, pinned in every proxied connection. */
  bastionHostKey?: pulumi.Input<string>;
  /**
   * Names of the secrets the deploy's stdin carries (berth:secretEnv's keys): with any, a host
   * whose connection (or bastion) has no pinned key is refused before anything is sent.
   */
  secretNames: string[];
}

/** One host's result: the agent's JSON summary line (null when the output held none). */
export type ReleaseSummary = pulumi.Output<AgentSummary | null>;

/**
 * The rolling release: the rollout plan (rollout/plan.ts) mapped onto `remote.Command`s. Per
 * host, the plan's agent install, then its deploy; each batch depends on every deploy of the
 * batch before. A failed host fails `pulumi up` and the later batches never start, so untouched
 * hosts keep serving the previous release.
 */
export class Release extends pulumi.ComponentResource {
  /** Per host name, the agent's summary of the release it ran. */
  public readonly summaries: Record<string, ReleaseSummary>;
  /** Per host name, its deploy command: done once the host serves the release. */
  public readonly deploys: Record<string, command.remote.Command>;

  constructor(name: string, args: ReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:release:Release", name, {}, opts);

    // Every key is pinned: the program generates each host's and the bastion's key before the
    // instance exists (hostKeys.ts), so the provider verifies the server on the first dial.
    const pin = (key: pulumi.Input<string> | undefined) =>
      key === undefined ? undefined : pulumi.output(key).apply(hostKeyLine);
    const bastionHostKey = pin(args.bastionHostKey);
    const connectionFor = (target: ReleaseTarget): command.types.input.remote.ConnectionArgs => ({
      host: target.address,
      user: SSH_USER,
      privateKey: args.privateKey,
      hostKey: pin(target.hostKey),
      ...DIAL,
      proxy: args.bastionAddress
        ? {
            host: args.bastionAddress,
            user: SSH_USER,
            privateKey: args.privateKey,
            hostKey: bastionHostKey,
            ...DIAL,
          }
        : undefined,
    });

    const names = args.targets.map((t) => t.name);
    // The resources must exist before the spec is known (preview), so the batches come from the
    // same rule the plan uses, fed from config; the plan below must agree or the run fails.
    const order = rolloutOrder(names, args.batchSize, args.releaseCommand);
    // The stack's config hash key: random, made once, kept as a secret in the stack's state.
    const configHashKey = new random.RandomBytes(
      `${name}-config-hash-key`,
      { length: 32 },
      { parent: this },
    ).hex;
    const plan: pulumi.Output<RolloutPlan> = pulumi
      .all([args.spec, args.registry, configHashKey])
      .apply(([spec, registry, key]) => {
        const planned = planRollout({
          hosts: names,
          spec,
          registry,
          agent: args.agent,
          batchSize: args.batchSize,
          configHashKey: key,
        });
        const plannedOrder = planned.batches.map((b) => b.map((h) => h.host));
        if (JSON.stringify(plannedOrder) !== JSON.stringify(order))
          throw new Error(
            `the rollout plan's batches ${JSON.stringify(plannedOrder)} differ from the resources' ${JSON.stringify(order)}`,
          );
        return planned;
      });
    const hostPlan = (host: string) =>
      plan.apply((p) => p.batches.flat().find((h) => h.host === host) as HostPlan);
    const install = planAgentInstall(args.agent);
    // The deploy's stdin, only once the connection it travels over is pinned (a ConfigError: one
    // line naming the host, no stack trace, and no command runs).
    const registrySecrets = pulumi
      .output(args.registry)
      .apply((r) => (r.method === "password" ? ["the registry password"] : []));
    const guardedStdin = (target: ReleaseTarget, step: pulumi.Output<HostPlan>) =>
      pulumi
        .all([
          step,
          registrySecrets,
          pulumi.output(target.hostKey ?? ""),
          pulumi.output(args.bastionHostKey ?? ""),
        ])
        .apply(([s, registryNames, hostKey, bastionKey]) => {
          const problem = unpinnedSecretsProblem(
            {
              host: target.name,
              hostKey,
              bastion: args.bastionAddress ? { hostKey: bastionKey } : undefined,
            },
            [...args.secretNames, ...registryNames],
          );
          if (problem) throw new ConfigError(problem);
          return s.deploy.stdin;
        });

    // The login each host's commands wait on: proven before the agent install and again before
    // each deploy (its triggers are an input). Only over pinned keys: nothing dials unproven hosts.
    const endpoint = (name: string, address: pulumi.Input<string>, hostKey: pulumi.Input<string>) =>
      pulumi
        .all([address, pin(hostKey) as pulumi.Output<string>])
        .apply(([a, key]): SshEndpoint => ({
          name,
          address: a,
          port: 22,
          user: SSH_USER,
          hostKey: key,
        }));
    const sshReady = (target: ReleaseTarget, step: pulumi.Output<HostPlan>) => {
      if (target.hostKey === undefined) return undefined;
      if (args.bastionAddress && args.bastionHostKey === undefined) return undefined;
      return new SshReady(
        `${name}-${target.name}-ssh`,
        {
          host: endpoint(target.name, target.address, target.hostKey),
          bastion: args.bastionAddress
            ? endpoint("bastion", args.bastionAddress, args.bastionHostKey as pulumi.Input<string>)
            : undefined,
          privateKey: args.privateKey,
          deployTriggers: pulumi.unsecret(step.apply((s) => JSON.stringify(s.deploy.triggers))),
        },
        { parent: this, dependsOn: target.dependsOn },
      );
    };

    this.summaries = {};
    this.deploys = {};
    let previousBatch: pulumi.Resource[] = [];
    for (const batch of order) {
      const thisBatch: pulumi.Resource[] = [];
      for (const host of batch) {
        const target = args.targets.find((t) => t.name === host) as ReleaseTarget;
        const connection = connectionFor(target);
        const step = hostPlan(host);
        const ready = sshReady(target, step);
        const installer = new command.remote.Command(
          `${name}-${host}-agent`,
          {
            connection,
            create: install.command,
            stdin: install.stdin,
            triggers: install.triggers,
            // Else the provider sends the previous run's output as PULUMI_COMMAND_STDOUT/STDERR
            // environment variables, which Amazon Linux 2023's sshd refuses (no AcceptEnv): a
            // warning on every update, and nothing on the host reads them.
            addPreviousOutputInEnv: false,
          },
          {
            parent: this,
            dependsOn: [...target.dependsOn, ...previousBatch, ...(ready ? [ready] : [])],
            customTimeouts: { create: STEP_TIMEOUT, update: STEP_TIMEOUT },
          },
        );
        // The command line carries only the image and the config hash; the hash covers the
        // environment, so it inherits its secrecy. It is a sha256 and reveals no value: unsecret
        // it so diffs stay readable. The stdin (with the environment) stays secret.
        const deployCommand = pulumi.unsecret(step.apply((s) => s.deploy.command));
        const deploy = new command.remote.Command(
          `${name}-${host}`,
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
            stdin: pulumi.secret(guardedStdin(target, step)),
            triggers: pulumi.unsecret(step.apply((s) => s.deploy.triggers)),
            // Secrets flow on stdin; a failing release command may print them on stderr, and the
            // summary's reason (stdout) quotes its last lines.
            logging: "none",
            addPreviousOutputInEnv: false,
          },
          {
            parent: this,
            dependsOn: [installer, ...previousBatch, ...(ready ? [ready] : [])],
            additionalSecretOutputs: ["stdout", "stderr"],
            customTimeouts: { create: STEP_TIMEOUT, update: STEP_TIMEOUT },
          },
        );
        // A successful deploy's summary (digest, release, times; its reason is empty) is the
        // host's receipt in the stack outputs: readable, unlike the raw stdout.
        this.summaries[host] = pulumi.unsecret(deploy.stdout.apply(parseAgentSummary));
        this.deploys[host] = deploy;
        thisBatch.push(deploy);
      }
      previousBatch = thisBatch;
    }

    this.registerOutputs({ summaries: this.summaries });
  }
}
