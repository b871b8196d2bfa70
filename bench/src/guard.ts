/**
 * The deploy guard under load: a release that is healthy and passes the smoke check on "/" but
 * answers 500 on every other route, rolled out while constant load asks a route the real app
 * answers (/version). The bake on the first host should see the 5xx and switch back by itself;
 * the rollout stops there and the fleet stays on the release it ran.
 */
import {
  AGENT_EXIT,
  type ReleaseSpec,
  agentExitName,
  proxyContainerName,
} from "../../infra/src/agent/contract";
import { docker } from "../../fleet/src/exec";
import {
  BenchFleet,
  currentReleases,
  hostRuns,
  settleBackground,
  switchMoments,
} from "./bench-fleet";
import { cpuShare, cpuSnapshot } from "./cpu";
import { progress } from "./progress";
import type { GuardFigures } from "./results";
import { versionOf } from "./serving";
import type { Sample } from "./stats";
import { isOk } from "./stats";
import { LbLoadOptions, loadThroughLb, trafficFigures } from "./traffic";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The path the load asks during the guard scenario: the real app answers it 200, the bad release 500. */
export const GUARD_LOAD_PATH = "/version";

/**
 * A web command for the app image: a tiny HTTP server on $PORT answering 200 on $HEALTH_PATH and
 * on `okPaths`, 500 on everything else. Healthy, smoke-checked, and wrong.
 */
export function healthyButFailing(okPaths: string[]): string[] {
  return [
    "node",
    "-e",
    `const ok = new Set([process.env.HEALTH_PATH, ...${JSON.stringify(okPaths)}]);` +
      `require("http").createServer((q, s) => {` +
      `const path = q.url.split("?")[0];` +
      `s.writeHead(ok.has(path) ? 200 : 500, { "content-type": "application/json" });` +
      `s.end(JSON.stringify({ path }));` +
      `}).listen(process.env.PORT);`,
  ];
}

/** Requests without a 2xx answer up to `atMs` (load-relative) and after it. */
export function failuresAround(
  samples: readonly Sample[],
  atMs: number | null,
): { before: number; after: number } {
  let before = 0;
  let after = 0;
  for (const s of samples) {
    if (isOk(s.status)) continue;
    if (atMs === null || s.atMs <= atMs) before++;
    else after++;
  }
  return { before, after };
}

/**
 * Requests on `path` that a host's nginx answered 5xx, from its JSON access log (one object per
 * line; other lines are skipped): what a load balancer that does not retry would pass on.
 */
export function countFiveXx(accessLog: string, path: string): { requests: number; errors: number } {
  let requests = 0;
  let errors = 0;
  for (const line of accessLog.split("\n")) {
    let entry: { path?: unknown; status?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry?.path !== path || typeof entry.status !== "number") continue;
    requests++;
    if (entry.status >= 500) errors++;
  }
  return { requests, errors };
}

/** The first host's nginx log since `sinceMs`, read through the host's engine. */
async function proxyLog(bench: BenchFleet, spec: ReleaseSpec, sinceMs: number): Promise<string> {
  const r = await docker(
    [
      "exec",
      bench.container(0),
      "docker",
      "logs",
      "--since",
      String(Math.floor(sinceMs / 1000)),
      proxyContainerName(spec.app, spec.stack),
    ],
    { allowFail: true },
  );
  if (r.code !== 0) throw new Error(`reading host-1's nginx log failed: ${r.stderr.trim()}`);
  return `${r.stdout}\n${r.stderr}`;
}

/**
 * Deploys the bad variant of `spec` (same image, the failing web command, a bake of `bakeSeconds`)
 * under load on GUARD_LOAD_PATH and reports what it cost and whether the fleet ended where it began.
 */
export async function measureGuard(
  bench: BenchFleet,
  spec: ReleaseSpec,
  hostUrlList: string[],
  bakeSeconds: number,
  load: LbLoadOptions,
): Promise<GuardFigures> {
  await settleBackground(bench, spec);
  const before = await currentReleases(bench, spec);
  const bad: ReleaseSpec = {
    ...spec,
    web: { ...spec.web, command: healthyButFailing(["/"]) },
    guard: { ...spec.guard, bakeSeconds },
  };
  const { run, settings } = loadThroughLb(bench.fleet.url, load, GUARD_LOAD_PATH);
  const cpuBefore = await cpuSnapshot({});
  await sleep(2000);
  const started = Date.now();
  const result = await bench.rollout(bad);
  await sleep(2000);
  const loadResult = await run.stop();
  // nginx buffers its access log (flushed every second): let it write the last entries.
  await sleep(1500);
  const answered = countFiveXx(await proxyLog(bench, spec, started), GUARD_LOAD_PATH);
  const first = result.results[0];
  const switchedBackAt =
    first?.exitCode === AGENT_EXIT.switchedBack
      ? ((await switchMoments(bench, spec))[0] ?? null)
      : null;
  const around = failuresAround(
    loadResult.samples,
    switchedBackAt === null ? null : switchedBackAt - loadResult.startedAtMs,
  );
  const after = await currentReleases(bench, spec);
  const served = await Promise.all(hostUrlList.map((url) => versionOf(url)));
  const fleetOnPrevious =
    after.every((release, i) => release !== null && release === before[i]) &&
    served.every((digest) => digest === spec.image);
  const bake = first?.summary?.bake ?? null;
  progress(
    `  guard: ${first ? agentExitName(first.exitCode) : "no host ran"}, switch-back after ${bake?.switchBackAfterMs ?? "–"} ms, ` +
      `${around.before} failed requests through the LB before it, ${around.after} after; ` +
      `host-1's nginx answered ${answered.errors} of ${answered.requests} with 5xx; fleet on the previous release: ${fleetOnPrevious}`,
  );
  return {
    bakeSeconds,
    host: first?.host ?? null,
    exitCode: first?.exitCode ?? null,
    exitName: first ? agentExitName(first.exitCode) : null,
    bake,
    switchBackAfterMs: bake?.switchBackAfterMs ?? null,
    failedBeforeSwitchBack: around.before,
    failedAfterSwitchBack: around.after,
    firstHostAnswers: answered,
    untouched: result.untouched,
    fleetOnPrevious,
    releasesAfter: Object.fromEntries(bench.hosts.map((h, i) => [h.name, after[i] ?? null])),
    error: result.error,
    // The phases are placed by the agent's receipt alone: its `current` moment is the switch-back.
    traffic: trafficFigures(
      loadResult,
      settings,
      hostRuns(result.results, [started]),
      cpuShare(cpuBefore, await cpuSnapshot({})),
    ),
  };
}
