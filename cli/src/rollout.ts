/**
 * Runs a rollout plan (infra/src/rollout/plan.ts) over SSH: what the Pulumi program's `Release`
 * does with `remote.Command`s, for the local fleet and for tests. Batch after batch; on each host
 * the plan's install, then its deploy, each with the plan's exact stdin. A failing host stops the
 * rollout after its batch, and the later batches are never touched.
 */
import { AgentSummary, agentExitName, parseAgentSummary } from "../../infra/src/agent/contract";
import { HostPlan, RolloutPlan, planRollback } from "../../infra/src/rollout/plan";
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

export interface RolloutResult {
  ok: boolean;
  /** One per host that was touched, in plan order. */
  results: HostRun[];
  /** Hosts never touched because an earlier batch failed. */
  untouched: string[];
  error: string | null;
  ms: number;
}

export interface ExecuteOptions {
  /** Progress lines (one per batch and per host outcome, and the agent's stderr when set). */
  progress?: (line: string) => void;
  /** Also hand every agent stderr line to `progress`. */
  verbose?: boolean;
  /** Called after each batch succeeded (tests use it to break a host mid-rollout). */
  afterBatch?: (done: string[]) => Promise<void>;
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
    for (const r of batchResults)
      options.progress?.(r.error ?? `${r.host}: ${r.summary?.outcome ?? "done"} in ${r.ms} ms`);
    const failed = batchResults.find((r) => r.error !== null);
    if (failed) {
      const untouched = plan.batches
        .slice(index + 1)
        .flat()
        .map((h) => h.host);
      const error = `rollout stopped: ${failed.error}${untouched.length ? `; not touched: ${untouched.join(", ")}` : ""}`;
      return { ok: false, results, untouched, error, ms: Date.now() - started };
    }
    await options.afterBatch?.(batch.map((h) => h.host));
  }
  return { ok: true, results, untouched: [], error: null, ms: Date.now() - started };
}

/**
 * `berth-agent rollback` on each host in turn, from the host's cache (no pull); stops at the first
 * failure and says which hosts went back and which were not touched.
 */
export async function rollbackHosts(
  hosts: Endpoint[],
  app: string,
  stack: string,
  run: HostRunner,
  options: ExecuteOptions = {},
): Promise<RolloutResult> {
  const started = Date.now();
  const { command } = planRollback(app, stack);
  const results: HostRun[] = [];
  for (const [index, host] of hosts.entries()) {
    options.progress?.(`rolling back ${host.name} ...`);
    const hostStarted = Date.now();
    const onLine = options.verbose
      ? (line: string) => options.progress?.(`  ${host.name} | ${line}`)
      : undefined;
    const r = await run(host, command, "", onLine);
    const summary = parseAgentSummary(r.stdout);
    const error =
      r.code === 0 ? null : failure(host.name, r, (reason, code) => reason || `exit code ${code}`);
    results.push({
      host: host.name,
      step: "deploy",
      exitCode: r.code,
      summary,
      stdout: r.stdout,
      stderr: r.stderr,
      error,
      ms: Date.now() - hostStarted,
    });
    if (error) {
      const done = results.slice(0, -1).map((h) => h.host);
      const untouched = hosts.slice(index + 1).map((h) => h.name);
      return {
        ok: false,
        results,
        untouched,
        error: `rollback failed on ${error}. Rolled back: ${done.join(", ") || "none"}; not touched: ${untouched.join(", ") || "none"}`,
        ms: Date.now() - started,
      };
    }
  }
  return { ok: true, results, untouched: [], error: null, ms: Date.now() - started };
}
