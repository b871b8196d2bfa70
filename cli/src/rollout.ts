/**
 * Runs a rollout plan (infra/src/rollout/plan.ts) over SSH: what the Pulumi program's `Release`
 * does with `remote.Command`s, for the local fleet and for tests. Batch after batch; on each host
 * the plan's install, then its deploy, each with the plan's exact stdin. A failing host stops the
 * rollout after its batch, and the later batches are never touched. Every host of the rollout that
 * took the new release (earlier batches, and the failing batch's hosts that succeeded) is then
 * switched back, all at once, so a failed rollout leaves the whole fleet on one release.
 *
 * `rollbackHosts` is that switch-back: `berth-agent rollback` on many hosts, at once by default.
 * `berth rollback`, the executor above and `berth deploy -s <aws stack>` after a failed `pulumi
 * up` all use it.
 */
import { AgentSummary, agentExitName, parseAgentSummary } from "../../infra/src/agent/contract";
import { HostPlan, RolloutPlan, planRollback } from "../../infra/src/rollout/plan";
import { backgroundFailureWarning } from "./format";
import { lastLine } from "./run";
import { Endpoint, HostOutput, HostRunner, SSH_CONNECT_FAILED } from "./ssh";

/** One host's part of a rollout: its deploy, or the install when that already failed. */
export interface HostRun {
  host: string;
  step: "install" | "deploy";
  exitCode: number;
  summary: AgentSummary | null;
  stdout: string;
  stderr: string;
  /** Why the host failed, in one line naming the host; null when it succeeded. */
  error: string | null;
  ms: number;
}

/** What a switch-back (`rollbackHosts`) did: which hosts went back, which failed, and the time. */
export interface SwitchBackResult {
  ok: boolean;
  /** One per host that was asked, in the order given (in parallel they ran at once). */
  results: HostRun[];
  /** Hosts now back on their previous release. */
  rolledBack: string[];
  /** Hosts whose rollback failed (their errors are in `results`). */
  failed: string[];
  /** Hosts never asked: one at a time stops at the first failure. Empty in parallel. */
  untouched: string[];
  error: string | null;
  /** From the first host's start to the last host's end: the whole fleet's time. */
  ms: number;
}

export interface RolloutResult {
  ok: boolean;
  /** One per host that was touched, in plan order. */
  results: HostRun[];
  /** Hosts never touched because an earlier batch failed. */
  untouched: string[];
  error: string | null;
  ms: number;
  /**
   * After a failed batch, the switch-back of every host that had taken the release (outcome
   * "deployed"): which went back (`rolledBack`), which could not (`failed`, still on the new
   * release), each host's ms and the whole switch-back's. Absent when none ran: the rollout
   * succeeded, no host had taken the release, or `switchBack` was false. (Optional, so that a
   * `rollbackHosts` result is also a `RolloutResult`.)
   */
  switchBack?: SwitchBackResult;
}

export interface ExecuteOptions {
  /** Progress lines (one per batch and per host outcome, and the agent's stderr when set). */
  progress?: (line: string) => void;
  /** Also hand every agent stderr line to `progress`. */
  verbose?: boolean;
  /** Called after each batch succeeded (tests use it to break a host mid-rollout). */
  afterBatch?: (done: string[]) => Promise<void>;
  /**
   * After a failed batch, switch back every host that took the release (default true). False
   * leaves them on it, as before switch-back existed.
   */
  switchBack?: boolean;
}

export interface RollbackOptions {
  /** Progress lines: one when the hosts start, one per host with its ms. */
  progress?: (line: string) => void;
  /** Also hand every agent stderr line to `progress`, prefixed with its host. */
  verbose?: boolean;
  /** One host after another, stopping at the first failure (default: every host at once). */
  oneAtATime?: boolean;
}

/** The message of a failed run: SSH could not connect, or what `describe` makes of the agent's reason. */
function failure(
  host: string,
  r: HostOutput,
  describe: (reason: string, code: number) => string,
): string {
  if (r.code === SSH_CONNECT_FAILED) return `${host}: unreachable over SSH: ${lastLine(r.stderr)}`;
  return `${host}: ${describe(parseAgentSummary(r.stdout)?.reason || lastLine(r.stderr), r.code)}`;
}

async function runHost(
  plan: HostPlan,
  endpoint: Endpoint,
  run: HostRunner,
  options: ExecuteOptions,
): Promise<HostRun> {
  const started = Date.now();
  const onLine = options.verbose
    ? (line: string) => options.progress?.(`${plan.host}: ${line}`)
    : undefined;
  for (const step of ["install", "deploy"] as const) {
    const { command, stdin } = plan[step];
    const r = await run(endpoint, command, stdin, onLine);
    if (r.code !== 0 || step === "deploy")
      return {
        host: plan.host,
        step,
        exitCode: r.code,
        summary: step === "deploy" ? parseAgentSummary(r.stdout) : null,
        stdout: r.stdout,
        stderr: r.stderr,
        error:
          r.code === 0
            ? null
            : failure(plan.host, r, (reason, code) =>
                step === "install"
                  ? `installing the agent failed (exit ${code}): ${reason}`
                  : `agent failed (${agentExitName(code)}): ${reason}`,
              ),
        ms: Date.now() - started,
      };
  }
  throw new Error("unreachable");
}

/** The progress line for one host's deploy, and the loud one for a failed background before it. */
function reportHost(r: HostRun, progress: ((line: string) => void) | undefined): void {
  if (!progress) return;
  const warning = backgroundFailureWarning(r.host, r.summary?.previousBackgroundFailure);
  if (warning) progress(warning);
  progress(r.error ?? `${r.host}: ${r.summary?.outcome ?? "done"} in ${r.ms} ms`);
}

/** Executes the plan on the given hosts (by name); see the file comment. */
export async function executePlan(
  plan: RolloutPlan,
  hosts: Endpoint[],
  run: HostRunner,
  options: ExecuteOptions = {},
): Promise<RolloutResult> {
  const started = Date.now();
  const endpointOf = (name: string) => {
    const endpoint = hosts.find((h) => h.name === name);
    if (!endpoint)
      throw new Error(
        `the plan names ${name}, which is not one of ${hosts.map((h) => h.name).join(", ")}`,
      );
    return endpoint;
  };
  const results: HostRun[] = [];
  for (const [index, batch] of plan.batches.entries()) {
    options.progress?.(
      `batch ${index + 1}/${plan.batches.length}: ${batch.map((h) => h.host).join(", ")}`,
    );
    const batchResults = await Promise.all(
      batch.map((h) => runHost(h, endpointOf(h.host), run, options)),
    );
    results.push(...batchResults);
    for (const r of batchResults) reportHost(r, options.progress);
    const failures = batchResults.filter((r) => r.error !== null).map((r) => r.error as string);
    if (failures.length > 0) {
      const untouched = plan.batches
        .slice(index + 1)
        .flat()
        .map((h) => h.host);
      // Only hosts that moved to the new release go back: "unchanged" hosts already ran it before
      // this rollout, and their previous release is an older one.
      const took = results.filter((r) => r.error === null && r.summary?.outcome === "deployed");
      const switchBack =
        took.length > 0 && options.switchBack !== false
          ? await switchBackHosts(
              took.map((r) => {
                const hostPlan = plan.batches.flat().find((h) => h.host === r.host) as HostPlan;
                return { endpoint: endpointOf(r.host), command: hostPlan.rollback.command };
              }),
              run,
              {
                progress: options.progress,
                verbose: options.verbose,
                label: `switching back ${took.map((r) => r.host).join(", ")} (they took the release before the failure)`,
              },
            )
          : undefined;
      const switchedBack = switchBack?.rolledBack ?? [];
      const failedSwitchBacks = (switchBack?.results ?? [])
        .filter((r) => r.error !== null)
        .map((r) => r.error as string);
      const unchanged = results
        .filter((r) => r.error === null && r.summary?.outcome === "unchanged")
        .map((r) => r.host);
      const kept = switchBack ? [] : took.map((r) => r.host);
      const error = [
        `rollout stopped: ${failures.join("; ")}`,
        switchedBack.length ? `switched back: ${switchedBack.join(", ")}` : "",
        failedSwitchBacks.length
          ? `switch-back FAILED, still on the new release: ${failedSwitchBacks.join("; ")} (retry with berth rollback --host ${switchBack?.failed.join(" --host ")})`
          : "",
        kept.length ? `still on the new release: ${kept.join(", ")}` : "",
        unchanged.length
          ? `left on it, as they ran it before this rollout: ${unchanged.join(", ")}`
          : "",
        untouched.length ? `not touched: ${untouched.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; ");
      return { ok: false, results, untouched, error, ms: Date.now() - started, switchBack };
    }
    await options.afterBatch?.(batch.map((h) => h.host));
  }
  return { ok: true, results, untouched: [], error: null, ms: Date.now() - started };
}

/** One host's `berth-agent rollback`, timed. */
async function rollbackOne(
  endpoint: Endpoint,
  command: string,
  run: HostRunner,
  options: RollbackOptions,
): Promise<HostRun> {
  const started = Date.now();
  const onLine = options.verbose
    ? (line: string) => options.progress?.(`  ${endpoint.name} | ${line}`)
    : undefined;
  const r = await run(endpoint, command, "", onLine);
  const summary = parseAgentSummary(r.stdout);
  const ms = Date.now() - started;
  const error =
    r.code === 0
      ? null
      : failure(endpoint.name, r, (reason, code) => {
          const name = agentExitName(code);
          return `rollback failed${name === "failed" ? "" : ` (${name})`}: ${reason || `exit code ${code}`}`;
        });
  const warning = backgroundFailureWarning(endpoint.name, summary?.previousBackgroundFailure);
  if (warning) options.progress?.(warning);
  options.progress?.(
    error
      ? `${error} (after ${ms} ms)`
      : `${endpoint.name}: back on ${summary?.release || "its previous release"} in ${ms} ms`,
  );
  return {
    host: endpoint.name,
    step: "deploy",
    exitCode: r.code,
    summary,
    stdout: r.stdout,
    stderr: r.stderr,
    error,
    ms,
  };
}

/**
 * The switch-back both `rollbackHosts` and the executor use: each host's rollback command, all at
 * once (a failing host does not stop the others), or one after another up to the first failure.
 */
async function switchBackHosts(
  targets: { endpoint: Endpoint; command: string }[],
  run: HostRunner,
  options: RollbackOptions & { label?: string },
): Promise<SwitchBackResult> {
  const started = Date.now();
  const names = targets.map((t) => t.endpoint.name);
  const results: HostRun[] = [];
  if (options.oneAtATime) {
    options.progress?.(options.label ?? `rolling back ${names.join(", ")}, one at a time`);
    for (const t of targets) {
      const r = await rollbackOne(t.endpoint, t.command, run, options);
      results.push(r);
      if (r.error) break;
    }
  } else {
    options.progress?.(options.label ?? `rolling back ${names.join(", ")} at once`);
    results.push(
      ...(await Promise.all(targets.map((t) => rollbackOne(t.endpoint, t.command, run, options)))),
    );
  }
  const rolledBack = results.filter((r) => !r.error).map((r) => r.host);
  const failed = results.filter((r) => r.error).map((r) => r.host);
  const untouched = names.slice(results.length);
  const ms = Date.now() - started;
  const error =
    failed.length === 0
      ? null
      : [
          ...results.filter((r) => r.error).map((r) => r.error as string),
          `rolled back: ${rolledBack.join(", ") || "none"}`,
          ...(untouched.length ? [`not touched: ${untouched.join(", ")}`] : []),
        ].join("; ");
  return { ok: failed.length === 0, results, rolledBack, failed, untouched, error, ms };
}

/**
 * `berth-agent rollback` on the hosts, from each host's cache (no pull): every host at once by
 * default, where a failure on one host does not stop the others; with `oneAtATime`, one host
 * after another, stopping at the first failure. Says which hosts went back, which failed and
 * which were not touched, and how long the whole fleet took.
 */
export function rollbackHosts(
  hosts: Endpoint[],
  app: string,
  stack: string,
  run: HostRunner,
  options: RollbackOptions = {},
): Promise<SwitchBackResult> {
  const { command } = planRollback(app, stack);
  return switchBackHosts(
    hosts.map((endpoint) => ({ endpoint, command })),
    run,
    options,
  );
}
