/**
 * The acceptance run, step by step, against anything shaped like an Automation API stack:
 *
 *   1. copy the project into a work dir, create the stack there, set its config
 *   2. up: build and push the image, create the network, host and ALB, roll the release out;
 *      the URL answers and /version shows the built digest
 *   3. a second image (a file added to the copy's build context), rolled out by up under
 *      constant load through the ALB; /version shows the new digest; failed requests counted
 *   4. roll back: the first digest pinned in berth:release, up under load; /version shows it
 *   finally: destroy and remove the stack, whatever happened above; when that fails, print the
 *      commands that finish it by hand.
 *
 * Every outside effect is a dependency, so the unit tests drive it with a fake stack.
 */
import {
  allowEcrDeletion,
  cleanupScriptText,
  CleanupTarget,
  Deployment,
  manualCleanupMessage,
} from "./cleanup";
import { formatLoad, LoadRun, loadProblem } from "./load";
import { Progress } from "./progress";
import { AcceptanceError, ConfigMap, rollbackConfig } from "./stackConfig";
import { WorkDir } from "./workdir";

export interface UpOptions {
  onOutput?: (out: string) => void;
  policyPacks?: string[];
  signal?: AbortSignal;
}

/** The part of `@pulumi/pulumi/automation`'s Stack the run uses. */
export interface StackLike {
  readonly name: string;
  setAllConfig(config: ConfigMap): Promise<void>;
  up(options: UpOptions): Promise<{ outputs: Record<string, { value: unknown }> }>;
  destroy(options: { onOutput?: (out: string) => void }): Promise<unknown>;
  exportStack(): Promise<Deployment>;
  importStack(state: Deployment): Promise<void>;
  readonly workspace: { removeStack(stackName: string): Promise<void> };
}

export interface AcceptanceDeps {
  progress: Progress;
  /** Pulumi's own output, streamed as it comes. */
  pulumiOutput(text: string): void;
  /** A line for the log: the manual cleanup, full error texts. */
  print(line: string): void;
  createWorkDir(): WorkDir;
  createStack(stackName: string, workDir: string): Promise<StackLike>;
  waitForRelease(url: string, digest: string, signal: AbortSignal): Promise<void>;
  startLoad(url: string): LoadRun;
  writeCleanupScript(file: string, text: string): void;
  removeCleanupScript(file: string): void;
}

export interface AcceptancePlan {
  stackName: string;
  region: string;
  /** berth:app of the config (the ECR repositories are named after it). */
  app: string;
  /** What setAllConfig gets before the first up (acceptanceConfig). */
  config: ConfigMap;
  /** The same config's plain values (acceptanceValues), for the rollback's berth:release. */
  values: Record<string, unknown>;
  /** Failed requests tolerated per rollout. */
  maxFailed: number;
  policyPacks: string[];
  /** The checkout: where the cleanup script starts when the work dir is gone. */
  repoRoot: string;
  cleanupScript?: string;
  /** Aborted at the deadline or on an interrupt: no new step starts, waiting stops. */
  signal: AbortSignal;
  /**
   * Cancels a running `up` (the Automation API sends the CLI a SIGINT). Defaults to `signal`; it
   * differs for a Ctrl-C at a terminal, which reaches the CLI directly (a second SIGINT would make
   * it stop at once, without finishing its cancel).
   */
  upSignal?: AbortSignal;
}

export interface AcceptanceResult {
  /** Every step ran and every check held. */
  passed: boolean;
  /** The stack was destroyed and removed, or never created. */
  cleanedUp: boolean;
  /** What failed, one entry each. */
  problems: string[];
  /** What was checked and held. */
  passedChecks: string[];
}

/** A one-line gist of an error; Automation API errors carry the whole CLI output. */
export function errorGist(error: unknown): string {
  const text = String((error as Error)?.message ?? error);
  const lines = text.split("\n").map((l) => l.trim());
  // "stderr: error: ..." -> "error: ...": the engine's own error lines, without the wrapper.
  const errors = lines.flatMap((l) => {
    const at = l.search(/\berror: /i);
    return at >= 0 ? [l.slice(at)] : [];
  });
  const gist = (errors.length > 0 ? errors.slice(0, 3).join(" | ") : lines.find((l) => l)) ?? "";
  return gist.length > 400 ? `${gist.slice(0, 397)}...` : gist;
}

function stringOutput(outputs: Record<string, { value: unknown }>, key: string): string {
  const value = outputs[key]?.value;
  if (typeof value !== "string" || value === "")
    throw new AcceptanceError(
      `the stack has no "${key}" output after up (got ${JSON.stringify(value)})`,
    );
  return value;
}

export async function runAcceptance(
  plan: AcceptancePlan,
  deps: AcceptanceDeps,
): Promise<AcceptanceResult> {
  const { progress } = deps;
  const problems: string[] = [];
  const passedChecks: string[] = [];
  let work: WorkDir | undefined;
  let stack: StackLike | undefined;
  let cleanedUp: boolean;

  const step = (text: string): void => {
    if (plan.signal.aborted)
      throw new AcceptanceError(
        `stopped before "${text}": ${String(plan.signal.reason ?? "aborted")}`,
      );
    progress.step(text);
  };
  const up = async (s: StackLike) =>
    (
      await s.up({
        onOutput: deps.pulumiOutput,
        policyPacks: plan.policyPacks,
        signal: plan.upSignal ?? plan.signal,
      })
    ).outputs;
  const check = async (url: string, digest: string, what: string) => {
    await deps.waitForRelease(url, digest, plan.signal);
    passedChecks.push(what);
    progress.info(`ok: ${what}`);
  };
  const underLoad = async <T>(url: string, label: string, run: () => Promise<T>): Promise<T> => {
    const load = deps.startLoad(url);
    try {
      return await run();
    } finally {
      const summary = await load.stop();
      progress.info(`load during the ${label}: ${formatLoad(summary)}`);
      const problem = loadProblem(summary, plan.maxFailed);
      if (problem) problems.push(`${label}: ${problem}`);
      else passedChecks.push(`${label} under load: ${formatLoad(summary)}`);
    }
  };

  try {
    step("copy the project into a work dir (Pulumi writes its stack file there, not here)");
    work = deps.createWorkDir();
    progress.info(work.dir);
    const target: CleanupTarget = {
      stackName: plan.stackName,
      region: plan.region,
      app: plan.app,
      workDir: work.dir,
    };

    step(`create the stack ${plan.stackName}`);
    stack = await deps.createStack(plan.stackName, work.dir);
    if (plan.cleanupScript)
      deps.writeCleanupScript(plan.cleanupScript, cleanupScriptText(target, plan.repoRoot));
    step(`set its config: one ${describeHosts(plan.values)} in ${plan.region}, HTTP, no logs`);
    await stack.setAllConfig(plan.config);

    step("up 1/3: build and push the image, create network, host and ALB, roll the release out");
    const first = await up(stack);
    const url = stringOutput(first, "url");
    const firstDigest = stringOutput(first, "digest");
    const proxyDigest = stringOutput(first, "proxyDigest");
    progress.info(`url ${url}`);
    progress.info(`digest ${firstDigest}`);
    step("check: the URL answers and /version shows the built digest");
    await check(url, firstDigest, "the URL answers and /version shows the first digest");

    step("up 2/3: a second image, rolled out under constant load through the ALB");
    work.addSecondRelease(`${plan.stackName}-2`);
    const second = await underLoad(url, "second release", () => up(stack as StackLike));
    const secondDigest = stringOutput(second, "digest");
    progress.info(`digest ${secondDigest}`);
    if (secondDigest === firstDigest)
      throw new AcceptanceError(`the second up deployed the first digest again (${firstDigest})`);
    step("check: /version shows the second digest");
    await check(url, secondDigest, "/version shows the second digest");

    step("up 3/3: roll back to the first digest (pinned in berth:release), under load");
    await stack.setAllConfig(rollbackConfig(plan.values, firstDigest, proxyDigest));
    const third = await underLoad(url, "rollback", () => up(stack as StackLike));
    const rolledBack = stringOutput(third, "digest");
    if (rolledBack !== firstDigest)
      throw new AcceptanceError(`the rollback deployed ${rolledBack}, not ${firstDigest}`);
    step("check: /version shows the first digest again");
    await check(url, firstDigest, "/version shows the first digest after the rollback");
  } catch (error) {
    problems.push(errorGist(error));
    progress.step(`failed: ${errorGist(error)}`);
    // An Automation API error holds the CLI's stdout (already streamed) and stderr (not yet shown).
    const full = String((error as Error)?.message ?? error);
    const stderrAt = full.indexOf("\n stderr: ");
    const detail = stderrAt >= 0 ? full.slice(stderrAt + 1) : full;
    if (detail.includes("\n")) for (const line of detail.split("\n")) deps.print(`    ${line}`);
  } finally {
    cleanedUp = await cleanUp(plan, deps, stack, work);
  }
  return { passed: problems.length === 0, cleanedUp, problems, passedChecks };
}

function describeHosts(values: Record<string, unknown>): string {
  const hosts = values["berth:hosts"] as { instanceType?: string } | undefined;
  return `${hosts?.instanceType ?? "?"} host`;
}

/** Destroy and remove the stack; true when it is gone (or never existed). */
async function cleanUp(
  plan: AcceptancePlan,
  deps: AcceptanceDeps,
  stack: StackLike | undefined,
  work: WorkDir | undefined,
): Promise<boolean> {
  const { progress } = deps;
  if (!stack) {
    work?.remove();
    return true;
  }
  const target: CleanupTarget = {
    stackName: plan.stackName,
    region: plan.region,
    app: plan.app,
    workDir: work?.dir ?? plan.repoRoot,
  };
  progress.step(`clean up: destroy the stack ${stack.name} and remove it`);
  try {
    try {
      const { state, repositories } = allowEcrDeletion(await stack.exportStack());
      if (repositories.length > 0) {
        await stack.importStack(state);
        progress.info(`forceDelete set in the state of ${repositories.join(", ")}`);
      }
    } catch (error) {
      progress.info(`could not mark the ECR repositories deletable: ${errorGist(error)}`);
    }
    await stack.destroy({ onOutput: deps.pulumiOutput });
    progress.info("destroyed");
    await stack.workspace.removeStack(stack.name);
    progress.info("stack removed");
  } catch (error) {
    // The work dir stays: it holds Pulumi.<stack>.yaml, which the manual commands need.
    for (const line of manualCleanupMessage(target, errorGist(error))) deps.print(line);
    return false;
  }
  if (plan.cleanupScript) deps.removeCleanupScript(plan.cleanupScript);
  work?.remove();
  return true;
}
