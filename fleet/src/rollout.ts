import { AGENT_EXIT, RegistryLogin, ReleaseSpec } from "../../infra/src/agent/contract";
import {
  renderDeployCommand,
  renderDeployStdin,
  renderRollbackCommand,
  renderStatusCommand,
} from "../../infra/src/agent/invocation";
import { progress } from "./exec";
import { SshTarget, sshExec } from "./ssh";

/** The agent's one-line JSON summary (the last stdout line), as far as the fleet reads it. */
export interface AgentSummary {
  host: string;
  action: string;
  image: string;
  digest: string;
  configHash: string;
  release: string;
  outcome: "deployed" | "unchanged" | "rolled-back" | "failed";
  exitCode: number;
  reason: string;
  pulled: boolean;
  durationsMs: Record<string, number>;
}

export interface HostResult {
  host: string;
  exitCode: number;
  summary: AgentSummary | null;
  stdout: string;
  stderr: string;
  error: string | null;
  ms: number;
}

export interface RolloutResult {
  ok: boolean;
  results: HostResult[];
  /** Hosts never touched because an earlier batch failed. */
  untouched: string[];
  error: string | null;
  ms: number;
}

/** The last non-empty stdout line as the agent's JSON summary, or null. */
export function parseSummary(stdout: string): AgentSummary | null {
  const last = stdout.trim().split("\n").pop();
  if (!last) return null;
  try {
    return JSON.parse(last) as AgentSummary;
  } catch {
    return null;
  }
}

const exitName = (code: number) =>
  Object.entries(AGENT_EXIT).find(([, value]) => value === code)?.[0] ?? `exit ${code}`;

async function runOnHost(
  target: SshTarget,
  command: string,
  stdin: string,
  quiet: boolean,
): Promise<HostResult> {
  const started = Date.now();
  try {
    const result = await sshExec(target, command, stdin, {
      onStderrLine: quiet ? undefined : (line) => progress(`${target.name}: ${line}`),
    });
    const summary = parseSummary(result.stdout);
    const error =
      result.code === 0
        ? null
        : `${target.name}: agent failed (${exitName(result.code)}): ${summary?.reason ?? result.stderr.trim().split("\n").pop()}`;
    return {
      host: target.name,
      exitCode: result.code,
      summary,
      stdout: result.stdout,
      stderr: result.stderr,
      error,
      ms: Date.now() - started,
    };
  } catch (err) {
    return {
      host: target.name,
      exitCode: -1,
      summary: null,
      stdout: "",
      stderr: "",
      error: (err as Error).message,
      ms: Date.now() - started,
    };
  }
}

export interface RolloutOptions {
  batchSize?: number;
  quiet?: boolean;
  /** Called after each batch finished successfully (tests use it to break a host mid-rollout). */
  afterBatch?: (done: string[]) => Promise<void>;
}

/**
 * Rolls one release over the hosts in batches, with exactly the command and stdin the Pulumi program
 * sends. Stops at the first batch with a failing host; later hosts are never touched.
 */
export async function rollout(
  hosts: SshTarget[],
  spec: ReleaseSpec,
  registry: RegistryLogin,
  options: RolloutOptions = {},
): Promise<RolloutResult> {
  const started = Date.now();
  const stdin = renderDeployStdin(spec, registry);
  const batchSize = options.batchSize ?? 1;
  // The release command runs once per rollout: on the first host, alone, before any other host
  // switches; every other host skips it.
  const batches: SshTarget[][] = [];
  const rest = spec.releaseCommand ? hosts.slice(1) : hosts;
  if (spec.releaseCommand && hosts[0]) batches.push([hosts[0]]);
  for (let i = 0; i < rest.length; i += batchSize) batches.push(rest.slice(i, i + batchSize));
  const commandFor = (host: SshTarget) =>
    renderDeployCommand(spec, undefined, {
      skipReleaseCommand: Boolean(spec.releaseCommand) && host !== hosts[0],
    });
  const results: HostResult[] = [];
  for (const [index, batch] of batches.entries()) {
    progress(
      `deploying ${spec.image.split("@")[1]?.slice(7, 19)} to ${batch.map((h) => h.name).join(", ")}`,
    );
    const batchResults = await Promise.all(
      batch.map((host) => runOnHost(host, commandFor(host), stdin, options.quiet ?? false)),
    );
    results.push(...batchResults);
    const failed = batchResults.find((r) => r.exitCode !== 0);
    if (failed) {
      const untouched = batches
        .slice(index + 1)
        .flat()
        .map((h) => h.name);
      const error = `rollout stopped: ${failed.error}${untouched.length ? `; not touched: ${untouched.join(", ")}` : ""}`;
      progress(error);
      return { ok: false, results, untouched, error, ms: Date.now() - started };
    }
    for (const r of batchResults) progress(`${r.host}: ${r.summary?.outcome} in ${r.ms} ms`);
    await options.afterBatch?.(batch.map((h) => h.name));
  }
  return { ok: true, results, untouched: [], error: null, ms: Date.now() - started };
}

/** `berth-agent rollback` on each host in turn (stops at the first failure). */
export async function rollbackAll(hosts: SshTarget[], app: string, stack: string, quiet = false) {
  const results: HostResult[] = [];
  for (const host of hosts) {
    const r = await runOnHost(host, renderRollbackCommand(app, stack), "", quiet);
    results.push(r);
    if (r.exitCode !== 0) break;
  }
  return results;
}

/** One host's `berth-agent status` JSON. */
export interface HostStatus {
  host: string;
  release: string;
  image: string;
  digest: string;
  configHash: string;
  healthy: boolean;
  containers: {
    name: string;
    id: string;
    role: string;
    state: string;
    release: string;
    image: string;
    healthy: boolean | null;
  }[];
  lastReceipt: AgentSummary | null;
}

export async function statusOf(host: SshTarget, app: string, stack: string): Promise<HostStatus> {
  const r = await sshExec(host, renderStatusCommand(app, stack));
  const parsed = parseSummary(r.stdout);
  if (r.code !== 0 || !parsed)
    throw new Error(`${host.name}: status failed (exit ${r.code}): ${r.stderr.trim()}`);
  return parsed as unknown as HostStatus;
}

export function statusAll(hosts: SshTarget[], app: string, stack: string) {
  return Promise.all(hosts.map((h) => statusOf(h, app, stack)));
}
