/**
 * The rollout plan: which hosts form which batch, and for each host the exact agent install, the
 * deploy command and stdin, and the rollback command. Pure (no Pulumi, no I/O), so both executors
 * run the same decisions: the Pulumi program maps the plan onto `remote.Command`s chained by
 * `dependsOn` (components/release.ts), and the operator CLI runs it over SSH (cli/src/rollout.ts).
 * Nothing about order, flags or stdin is decided anywhere else.
 */
import { AGENT_PATH, RegistryLogin, ReleaseSpec } from "../agent/contract";
import {
  configHash,
  renderDeployCommand,
  renderDeployStdin,
  renderRollbackCommand,
  shellQuote,
} from "../agent/invocation";

/** The host deploy agent as shipped: its text and the sha256 hex of that text. */
export interface AgentScript {
  content: string;
  sha256: string;
}

/** One command run on a host over SSH, with the exact bytes it gets on stdin. */
export interface HostCommand {
  command: string;
  stdin: string;
  /** What makes the Pulumi program run this command again (its `triggers`). */
  triggers: string[];
}

/** Everything one host does in a rollout, in this order: install, then deploy. */
export interface HostPlan {
  host: string;
  /** 0-based batch this host belongs to. */
  batch: number;
  install: HostCommand;
  deploy: HostCommand;
  /** Back to the previous release from the host's cache (no pull, no stdin). */
  rollback: { command: string };
}

export interface RolloutPlan {
  /** Batch after batch; the hosts of one batch deploy at once. */
  batches: HostPlan[][];
}

export interface RolloutInput {
  /** Host names in rollout order (host-1, host-2, ...). */
  hosts: string[];
  spec: ReleaseSpec;
  registry: RegistryLogin;
  agent: AgentScript;
  /** Hosts per batch; batch N starts only after every host of batch N-1 succeeded. */
  batchSize: number;
  /** The stack's config hash key (64 hex digits; a secret). */
  configHashKey: string;
}

/**
 * The rollout order: batches of `batchSize`, except that with a release command (migrations) the
 * first host goes alone. The release command runs there only, and must finish before any other
 * host switches to the new release.
 */
export function rolloutOrder<T>(hosts: T[], batchSize: number, releaseCommand: boolean): T[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batch size ${batchSize} must be a whole number of at least 1`);
  const batchesOf = (items: T[]) => {
    const batches: T[][] = [];
    for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
    return batches;
  };
  if (!releaseCommand || batchSize === 1 || hosts.length === 0) return batchesOf(hosts);
  return [hosts.slice(0, 1), ...batchesOf(hosts.slice(1))];
}

/** Where cloud-init writes the output of its modules (package installs, runcmd) on Amazon Linux. */
export const CLOUD_INIT_LOG = "/var/log/cloud-init-output.log";

/**
 * Installs the agent from stdin when the host's copy differs, and checks its sha256 before the
 * atomic move, so a half-written or altered agent never runs. On AWS it first waits for
 * cloud-init (Docker, jq and the credential helper); exit 2 from `cloud-init status` means "done
 * with warnings". The local fleet's hosts are set up by their image and have no cloud-init.
 */
export function renderInstallAgentCommand(
  agentSha256: string,
  agentPath: string = AGENT_PATH,
  cloudInitLog = CLOUD_INIT_LOG,
): string {
  const target = shellQuote(agentPath);
  const expected = shellQuote(`${agentSha256}  `);
  const log = shellQuote(cloudInitLog);
  return [
    "set -eu",
    "if command -v cloud-init >/dev/null 2>&1; then",
    "  rc=0; cloud-init status --wait </dev/null >/dev/null || rc=$?",
    '  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then',
    `    echo "cloud-init failed on $(hostname) (exit $rc); the last lines of ${cloudInitLog}:" >&2`,
    `    sudo -n tail -n 25 ${log} >&2 || true`,
    "    exit 1",
    "  fi",
    "fi",
    `if echo ${expected}${target} | sudo -n sha256sum --check --status - 2>/dev/null; then`,
    "  cat >/dev/null",
    `  echo "berth-agent ${agentSha256.slice(0, 12)} already installed"`,
    "  exit 0",
    "fi",
    `tmp=$(sudo -n mktemp ${target}.XXXXXX)`,
    "trap 'sudo -n rm -f \"$tmp\"' EXIT",
    'sudo -n tee "$tmp" >/dev/null',
    `echo ${expected}"$tmp" | sudo -n sha256sum --check --quiet -`,
    'sudo -n chmod 0755 "$tmp"',
    `sudo -n mv -f "$tmp" ${target}`,
    `echo "berth-agent ${agentSha256.slice(0, 12)} installed"`,
  ].join("\n");
}

/** The agent install step; it depends on the agent only, so it is known before any image is. */
export function planAgentInstall(agent: AgentScript): HostCommand {
  return {
    command: renderInstallAgentCommand(agent.sha256),
    stdin: agent.content,
    triggers: [agent.sha256],
  };
}

/** What makes a host's release run again: exactly the image, the config and the agent. */
export function releaseTriggers(
  spec: ReleaseSpec,
  agentSha256: string,
  configHashKey: string,
): string[] {
  return [spec.image, configHash(spec, configHashKey), agentSha256];
}

/** Back to the previous release from the host's cache: the same on every host, no stdin. */
export function planRollback(app: string, stack: string): { command: string } {
  return { command: renderRollbackCommand(app, stack) };
}

/** The whole rollout of one release over the hosts. */
export function planRollout(input: RolloutInput): RolloutPlan {
  const { spec, registry, agent } = input;
  if (new Set(input.hosts).size !== input.hosts.length)
    throw new Error(`host names repeat in the rollout: ${input.hosts.join(", ")}`);
  const install = planAgentInstall(agent);
  const stdin = renderDeployStdin(spec, registry);
  const triggers = releaseTriggers(spec, agent.sha256, input.configHashKey);
  const order = rolloutOrder(input.hosts, input.batchSize, spec.releaseCommand !== null);
  return {
    batches: order.map((names, batch) =>
      names.map((host) => ({
        host,
        batch,
        install,
        deploy: {
          // The release command (migrations) runs once per rollout, on the first host; every
          // other host is told to skip it.
          command: renderDeployCommand(spec, input.configHashKey, AGENT_PATH, {
            skipReleaseCommand: host !== input.hosts[0],
          }),
          stdin,
          triggers,
        },
        rollback: planRollback(spec.app, spec.stack),
      })),
    ),
  };
}

/** The hosts of a plan in rollout order. */
export function planHosts(plan: RolloutPlan): HostPlan[] {
  return plan.batches.flat();
}
