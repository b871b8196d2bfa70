/**
 * `berth rollback` of the whole fleet under constant load, timed from the command to every host
 * serving the previous release as a client sees it (GET /version on each host's nginx answering
 * the previous digest), with the agents' own switch moments beside it. Parallel (the default) or
 * one host after another (the flag), from the hosts' cached images.
 */
import type { ReleaseSpec } from "../../infra/src/agent/contract";
import { BenchFleet, hostRuns, settleBackground, switchMoments } from "./bench-fleet";
import { cpuShare, cpuSnapshot } from "./cpu";
import { phasesOf } from "./phases";
import { progress } from "./progress";
import type { RollbackFigures } from "./results";
import { allServingAfter, watchServing } from "./serving";
import { LbLoadOptions, loadThroughLb, trafficFigures } from "./traffic";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When each host's command started: all at once, or each after the one before it. */
export function rollbackStarts(startedMs: number, hostMs: number[], oneAtATime: boolean): number[] {
  if (!oneAtATime) return hostMs.map(() => startedMs);
  return hostMs.reduce<number[]>((starts, _, i) => {
    starts.push(i === 0 ? startedMs : (starts[i - 1] as number) + (hostMs[i - 1] as number));
    return starts;
  }, []);
}

/**
 * Rolls every host back to its previous release, which serves `toDigest`, under load. `spec` names
 * the app and stack (whose state the bench reads); `hostUrlList` is each host's nginx.
 */
export async function measureRollback(
  bench: BenchFleet,
  spec: ReleaseSpec,
  toDigest: string,
  hostUrlList: string[],
  oneAtATime: boolean,
  load: LbLoadOptions,
): Promise<RollbackFigures> {
  await settleBackground(bench, spec);
  const { run, settings } = loadThroughLb(bench.fleet.url, load);
  const cpuBefore = await cpuSnapshot({});
  await sleep(2000);
  const watch = watchServing(hostUrlList, toDigest, 60_000);
  const started = Date.now();
  const result = await bench.rollback(oneAtATime);
  const totalMs = Date.now() - started;
  const stopWatch = setTimeout(() => watch.stop(), 10_000);
  const firstServing = await watch.done;
  clearTimeout(stopWatch);
  const allServingAfterMs = allServingAfter(firstServing, started);
  progress(
    `  rollback (${oneAtATime ? "one at a time" : "parallel"}): command ${totalMs} ms, every host serving the previous release after ${allServingAfterMs ?? "never"} ms`,
  );
  // The old release's drain runs in the background after each host's switch: keep the load on
  // until it is done, so requests it cut would count.
  await settleBackground(bench, spec);
  await sleep(1000);
  const loadResult = await run.stop();
  const switched = await switchMoments(bench, spec);
  const starts = rollbackStarts(
    started,
    result.results.map((r) => r.ms),
    oneAtATime,
  );
  const runs = hostRuns(result.results, starts, switched);
  return {
    mode: oneAtATime ? "one-at-a-time" : "parallel",
    toDigest,
    hosts: runs.map((r) => {
      const hostIndex = bench.hosts.findIndex((h) => h.name === r.host);
      const switchedAt = switched[hostIndex] ?? null;
      const seen = firstServing[hostIndex] ?? null;
      return {
        host: r.host,
        outcome: r.summary?.outcome ?? "no summary",
        pulled: r.summary?.pulled ?? null,
        servingAfterMs: switchedAt === null ? null : switchedAt - started,
        observedAfterMs: seen === null ? null : seen - started,
        wallMs: r.wallMs,
        phasesMs: phasesOf(r.summary?.durationsMs ?? {}),
      };
    }),
    totalMs,
    allServingAfterMs,
    ok: result.ok,
    error: result.error,
    traffic: trafficFigures(loadResult, settings, runs, cpuShare(cpuBefore, await cpuSnapshot({}))),
  };
}
