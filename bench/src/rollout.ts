/**
 * A rolling deploy of a code-only change under constant load, against its floor measured just
 * before on the same hosts. Batch size 1: the next host starts once the current one switched and
 * passed its bake; each host's old release drains in the background meanwhile. The load runs on
 * until every host's background work is done, so a drain that cut requests would count.
 */
import type { ReleaseSpec } from "../../infra/src/agent/contract";
import { REGISTRY_USER } from "../../fleet/src/fleet";
import { BenchFleet, hostRuns, settleBackground, switchMoments } from "./bench-fleet";
import { cpuShare, cpuSnapshot } from "./cpu";
import { measureFloor } from "./floor";
import { hostFigures } from "./phases";
import { progress } from "./progress";
import type { FloorFigures, RolloutFigures, TrafficFigures } from "./results";
import { ratio, summarizeTraffic } from "./stats";
import { LbLoadOptions, loadThroughLb, trafficFigures } from "./traffic";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Each host's floor for `spec` (pull its changed layers, boot to healthy), one host after another,
 * under the same load as the rollout. Returns the floors and a note on the load meanwhile.
 */
export async function measureFloors(
  bench: BenchFleet,
  spec: ReleaseSpec,
  load: LbLoadOptions,
): Promise<{ floors: FloorFigures[]; note: string }> {
  const { run } = loadThroughLb(bench.fleet.url, load);
  const floors: FloorFigures[] = [];
  let measured: unknown = null;
  try {
    for (const [i] of bench.hosts.entries()) {
      const floor = await measureFloor(bench.container(i), spec, {
        server: bench.fleet.registryServer,
        username: REGISTRY_USER,
        password: bench.fleet.registryPassword,
      });
      progress(
        `  host-${i + 1}: pull ${floor.pullMs} ms + boot to healthy ${floor.bootToHealthyMs} ms`,
      );
      floors.push(floor);
    }
  } catch (error) {
    measured = error;
  }
  const t = summarizeTraffic((await run.stop()).samples);
  if (measured) throw measured;
  const note =
    `The floor of …${spec.image.slice(-12)} was measured under the same constant load as the rollout (${t.sent} requests, ` +
    `${t.failed} failed, ${t.non2xx} non-2xx, p50 ${t.latencyMs.p50} ms), one host after another; its image was removed again so the rollout pulls the same layers.`;
  return { floors, note };
}

/** Rolls `to` out over a fleet that runs `from`, under load; figures against `floors`. */
export async function measureRollout(
  bench: BenchFleet,
  from: string,
  spec: ReleaseSpec,
  floors: FloorFigures[],
  load: LbLoadOptions,
): Promise<{ figures: RolloutFigures; traffic: TrafficFigures }> {
  const { run, settings } = loadThroughLb(bench.fleet.url, load);
  const cpuBefore = await cpuSnapshot({});
  await sleep(3000);
  const hostStarts = [Date.now()];
  const result = await bench.rollout(spec, {
    afterBatch: async () => {
      hostStarts.push(Date.now());
    },
  });
  const background = await settleBackground(bench, spec);
  await sleep(1000);
  const loadResult = await run.stop();
  const runs = hostRuns(result.results, hostStarts, await switchMoments(bench, spec));
  const hosts = runs.map((r, i) => {
    const b = background[i];
    return hostFigures(
      r,
      floors[i] ?? null,
      b ? { state: b.state, reason: b.reason, phasesMs: b.durationsMs } : null,
    );
  });
  const floorTotal = floors.reduce((s, f) => s + f.totalMs, 0);
  return {
    figures: {
      from,
      to: spec.image,
      bakeSeconds: spec.guard.bakeSeconds,
      hosts,
      totalMs: result.ms,
      floorTotalMs: floorTotal,
      ratioToFloor: ratio(result.ms, floorTotal),
      ok: result.ok,
      error: result.error,
    },
    traffic: trafficFigures(loadResult, settings, runs, cpuShare(cpuBefore, await cpuSnapshot({}))),
  };
}
