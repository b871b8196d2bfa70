/**
 * Constant-rate load through the fleet's LB while something happens on the hosts, and the figures
 * of that window: totals, per second, and each host's phases on the load's time axis.
 */
import { onCleanup } from "./cleanup";
import type { CpuShare } from "./cpu";
import { LoadRun, LoadResult, startLoad } from "./load";
import { HostRun, phaseSpans } from "./phases";
import type { LoadSettings, TrafficFigures } from "./results";
import { perSecond, summarizeTraffic } from "./stats";

export interface LbLoadOptions {
  rate: number;
  connections: number;
}

/** Constant-rate load on `path` through the LB (127.0.0.1 only); every sample is kept. */
export function loadThroughLb(
  lbUrl: string,
  options: LbLoadOptions,
  path = "/",
): { run: LoadRun; settings: LoadSettings } {
  const settings: LoadSettings = {
    url: lbUrl,
    path,
    ratePerSecond: options.rate,
    connections: options.connections,
    timeoutSeconds: 10,
  };
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(lbUrl))
    throw new Error(`load only targets 127.0.0.1 (got ${lbUrl})`);
  const run = startLoad({
    url: `${lbUrl}${settings.path}`,
    ratePerSecond: settings.ratePerSecond,
    connections: settings.connections,
    timeoutSeconds: settings.timeoutSeconds,
    maxSeconds: 600,
  });
  const stop = onCleanup("the load through the LB", () => run.stop());
  return {
    run: { ...run, stop: async () => (await stop(), run.stop()) },
    settings,
  };
}

export function trafficFigures(
  load: LoadResult,
  settings: LoadSettings,
  runs: HostRun[],
  cpu: CpuShare | null,
): TrafficFigures {
  return {
    cpu,
    settings,
    durationMs: load.durationMs,
    summary: summarizeTraffic(load.samples),
    // The last second is cut short by the stop: leave it out of the per-second figures.
    perSecond: perSecond(load.samples).filter((b) => b.t < Math.floor(load.durationMs / 1000)),
    loadStartedAtMs: load.startedAtMs,
    phases: runs.flatMap((r) => phaseSpans(r, load.startedAtMs)),
    hostRuns: runs,
  };
}
