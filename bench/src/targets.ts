/**
 * The targets, read against one run's figures. Benchmarks report: a missed target is a
 * finding for the closing note, never a failed command. Pure.
 */
import type { BenchResults, TargetCheck } from "./results";

export const TARGETS = {
  rolloutFailedRequests: 0,
  rolloutToFloor: 1.5,
  rollbackPerHostMs: 5000,
  nginxRpsRatioAt64: 0.8,
  nginxP50AddedMs: 1,
  rebuildMs: 10_000,
  imageBytes: 150 * 1000 * 1000,
} as const;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

type Figures = Pick<BenchResults, "rolloutTraffic" | "rollout" | "rollback" | "nginx" | "image">;

export function checkTargets(r: Figures): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const traffic = r.rolloutTraffic?.summary;
  checks.push({
    name: "failed requests during rollout",
    target: "0 failed, 0 non-2xx",
    value: traffic
      ? `${traffic.failed} failed, ${traffic.non2xx} non-2xx of ${traffic.sent}`
      : "not measured",
    met: traffic ? traffic.failed + traffic.non2xx <= TARGETS.rolloutFailedRequests : null,
  });

  const rolloutRatio = r.rollout?.ratioToFloor ?? null;
  checks.push({
    name: "rollout total / floor",
    target: `<= ${TARGETS.rolloutToFloor}x`,
    value:
      rolloutRatio === null || !r.rollout
        ? "not measured"
        : `${rolloutRatio.toFixed(2)}x (${seconds(r.rollout.totalMs)} / ${seconds(r.rollout.floorTotalMs ?? 0)})`,
    met: rolloutRatio === null ? null : rolloutRatio <= TARGETS.rolloutToFloor,
  });

  const rollbackTimes = (r.rollback?.hosts ?? [])
    .map((h) => h.servingAfterMs)
    .filter((v): v is number => v !== null);
  const slowestRollback = rollbackTimes.length ? Math.max(...rollbackTimes) : null;
  checks.push({
    name: "rollback, per host (serving the previous release)",
    target: `<= ${seconds(TARGETS.rollbackPerHostMs)}`,
    value: slowestRollback === null ? "not measured" : `slowest ${seconds(slowestRollback)}`,
    met: slowestRollback === null ? null : slowestRollback <= TARGETS.rollbackPerHostMs,
  });

  const at64 = r.nginx?.throughput.find((c) => c.connections === 64);
  checks.push({
    name: "nginx rps / direct rps at 64 connections",
    target: `>= ${TARGETS.nginxRpsRatioAt64}`,
    value: at64?.rpsRatio == null ? "not measured" : at64.rpsRatio.toFixed(2),
    met: at64?.rpsRatio == null ? null : at64.rpsRatio >= TARGETS.nginxRpsRatioAt64,
  });
  checks.push({
    name: "p50 added by nginx at 64 connections",
    target: `<= ${TARGETS.nginxP50AddedMs} ms`,
    value: at64?.p50AddedMs == null ? "not measured" : `${at64.p50AddedMs.toFixed(2)} ms`,
    met: at64?.p50AddedMs == null ? null : at64.p50AddedMs <= TARGETS.nginxP50AddedMs,
  });

  const rebuild = r.image?.rebuildMs ?? null;
  checks.push({
    name: "code-only rebuild",
    target: `<= ${seconds(TARGETS.rebuildMs)}`,
    value: rebuild === null ? "not measured" : seconds(rebuild),
    met: rebuild === null ? null : rebuild <= TARGETS.rebuildMs,
  });

  const size = r.image?.sizeBytes ?? null;
  checks.push({
    name: "runtime image size (uncompressed)",
    target: `<= ${megabytes(TARGETS.imageBytes)}`,
    value: size === null ? "not measured" : megabytes(size),
    met: size === null ? null : size <= TARGETS.imageBytes,
  });
  return checks;
}
