/**
 * The bench's handle on its fleet: the same deployer as `berth deploy -s local` and `berth
 * rollback` (the rollout plan run over SSH), and what the bench reads on each host through its
 * engine (the agent's state files), as an operator's shell would.
 */
import {
  type BackgroundOutcome,
  type RegistryLogin,
  type ReleaseSpec,
  stateDir,
} from "../../infra/src/agent/contract";
import { readAgentScript } from "../../infra/src/files";
import { planRollout } from "../../infra/src/rollout/plan";
import { localConfigHashKey, localReleaseSpec, localTarget } from "../../cli/src/local";
import {
  type ExecuteOptions,
  type HostRun as DeployerRun,
  type RolloutResult,
  type SwitchBackResult,
  executePlan,
  rollbackHosts,
} from "../../cli/src/rollout";
import { capture } from "../../cli/src/run";
import { type Endpoint, sshRunner, waitForSsh } from "../../cli/src/ssh";
import { docker } from "../../fleet/src/exec";
import type { Fleet } from "../../fleet/src/fleet";
import { fleetNames } from "../../fleet/src/settings";
import type { HostRun } from "./phases";

/** The release command the rollout runs (as the fleet's own tests do): a no-op "migration". */
const RELEASE_COMMAND = ["node", "-e", "console.log('migrated')"];

export interface BenchFleet {
  fleet: Fleet;
  hosts: Endpoint[];
  /** The local fleet's release spec for an app image, with the bench's release command. */
  specFor(image: string, overrides?: Partial<ReleaseSpec>): ReleaseSpec;
  /** The rollout plan of a spec (batch size 1 unless told), executed over SSH. */
  rollout(spec: ReleaseSpec, options?: ExecuteOptions, batchSize?: number): Promise<RolloutResult>;
  /** `berth rollback` on every host: at once, or one after another. */
  rollback(oneAtATime: boolean): Promise<SwitchBackResult>;
  /** The host's container name (index from 0, in rollout order). */
  container(index: number): string;
}

export async function connectBench(fleet: Fleet, proxyImage: string): Promise<BenchFleet> {
  const target = localTarget({ settings: fleet.settings, fleet });
  const runOnHost = sshRunner(target.access, capture);
  await Promise.all(target.hosts.map((host) => waitForSsh(host, runOnHost)));
  const login: RegistryLogin = { server: fleet.registryServer, method: "helper" };
  const specFor = (image: string, overrides: Partial<ReleaseSpec> = {}) =>
    localReleaseSpec(
      { app: image, proxy: proxyImage },
      { releaseCommand: RELEASE_COMMAND, ...overrides },
    );
  const names = fleetNames(fleet.settings.prefix);
  return {
    fleet,
    hosts: target.hosts,
    specFor,
    rollout: (spec, options = {}, batchSize = 1) =>
      executePlan(
        planRollout({
          hosts: target.hosts.map((h) => h.name),
          spec,
          registry: login,
          agent: readAgentScript(),
          batchSize,
          configHashKey: localConfigHashKey(fleet.settings),
        }),
        target.hosts,
        runOnHost,
        options,
      ),
    rollback: (oneAtATime) =>
      rollbackHosts(target.hosts, target.app, target.agentStack, runOnHost, { oneAtATime }),
    container: (index) => names.host(index + 1),
  };
}

/** A file of the agent's state directory on each host (null where it cannot be read). */
async function readStateFile(bench: BenchFleet, spec: ReleaseSpec, file: string) {
  const dir = stateDir(spec.app, spec.stack);
  return Promise.all(
    bench.hosts.map(async (_, i) => {
      const r = await docker(["exec", bench.container(i), "cat", `${dir}/${file}`], {
        allowFail: true,
      });
      return r.code === 0 ? r.stdout.trim() : null;
    }),
  );
}

/** Each host's current release id (`<state>/current`). */
export function currentReleases(bench: BenchFleet, spec: ReleaseSpec) {
  return readStateFile(bench, spec, "current");
}

/**
 * When each host's nginx last switched releases: the agent writes `<state>/current` right after
 * the reload (switch_proxy, and switch_back), so its mtime is that moment. Null where unknown.
 */
export async function switchMoments(
  bench: BenchFleet,
  spec: ReleaseSpec,
): Promise<(number | null)[]> {
  const file = `${stateDir(spec.app, spec.stack)}/current`;
  return Promise.all(
    bench.hosts.map(async (_, i) => {
      const r = await docker(["exec", bench.container(i), "stat", "-c", "%.3Y", file], {
        allowFail: true,
      });
      const seconds = Number(r.stdout.trim());
      return r.code === 0 && Number.isFinite(seconds) ? Math.round(seconds * 1000) : null;
    }),
  );
}

/**
 * Waits until no host has background work running (the previous deploy's old workers, drain and
 * prune), so that the next measurement starts on a quiet fleet and its lock phase does not wait
 * for it. Returns each host's background outcome (null where none was recorded).
 */
export async function settleBackground(
  bench: BenchFleet,
  spec: ReleaseSpec,
  timeoutMs = 120_000,
): Promise<(BackgroundOutcome | null)[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcomes = (await readStateFile(bench, spec, "background.json")).map((text) => {
      try {
        return text ? (JSON.parse(text) as BackgroundOutcome) : null;
      } catch {
        return null;
      }
    });
    if (!outcomes.some((o) => o?.state === "running")) return outcomes;
    if (Date.now() > deadline)
      throw new Error(`background work still running after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Turns the deployer's results into HostRuns, given when each host's command started. */
export function hostRuns(
  results: DeployerRun[],
  startedAt: number[],
  switchedAt: (number | null)[] = [],
): HostRun[] {
  return results.map((r, i) => ({
    host: r.host,
    startedAtMs: startedAt[i] ?? NaN,
    switchedAtMs: switchedAt[i] ?? null,
    wallMs: r.ms,
    summary: r.summary as HostRun["summary"],
  }));
}
