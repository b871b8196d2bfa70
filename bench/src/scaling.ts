/**
 * How a rollout grows with the fleet (issue 16 item 4): which points the bench measures, how many
 * batches each takes under the rollout plan, the least-squares line through the measured totals
 * and what that line says about a bigger fleet. Pure, so that tests read it as a specification.
 */
import { rolloutOrder } from "../../infra/src/rollout/plan";
import { MAX_FLEET_HOSTS } from "../../fleet/src/settings";
import { wholeNumberFlag } from "./flags";

/** One rollout the scaling section measures: a fleet of `hosts` rolled in batches of `batchSize`. */
export interface ScalePoint {
  hosts: number;
  batchSize: number;
}

/** The default grid: fleets of 3, 6 and 10 hosts, each at batch size 1 and 3. */
export const SCALE_HOSTS = [3, 6, 10] as const;
export const SCALE_BATCH_SIZES = [1, 3] as const;

/** The fleet size the projection speaks of (the README's paragraph). */
export const PROJECTED_HOSTS = 100;

/** A straight line y = intercept + slope × x through some points, by least squares. */
export interface LineFit {
  intercept: number;
  slope: number;
  /** Coefficient of determination (1: every point on the line); null when every y is the same. */
  r2: number | null;
  /** How many points the line was fitted through. */
  points: number;
}

/**
 * The ordinary least-squares line through the points; null with fewer than two distinct x (no
 * line is determined then).
 */
export function fitLine(points: { x: number; y: number }[]): LineFit | null {
  const n = points.length;
  if (new Set(points.map((p) => p.x)).size < 2) return null;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0);
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const ssTotal = points.reduce((s, p) => s + (p.y - meanY) ** 2, 0);
  const ssResidual = points.reduce((s, p) => s + (p.y - intercept - slope * p.x) ** 2, 0);
  return { intercept, slope, r2: ssTotal === 0 ? null : 1 - ssResidual / ssTotal, points: n };
}

/**
 * How many batches the rollout plan makes of `hosts` at `batchSize`: with a release command the
 * first host goes alone (it runs the migrations), the rest in batches of `batchSize`.
 */
export function batchCount(hosts: number, batchSize: number, releaseCommand: boolean): number {
  return rolloutOrder(
    Array.from({ length: hosts }, (_, i) => i),
    batchSize,
    releaseCommand,
  ).length;
}

/** Every (hosts, batch size) pair of the two lists, fleet by fleet (the fleet grows between sizes). */
export function scalePoints(
  hosts: readonly number[] = SCALE_HOSTS,
  batchSizes: readonly number[] = SCALE_BATCH_SIZES,
): ScalePoint[] {
  return hosts.flatMap((h) => batchSizes.map((batchSize) => ({ hosts: h, batchSize })));
}

/**
 * What `--hosts` and `--batch-size` ask for. `--hosts` (default 3) is the main fleet's host count,
 * as before; `--batch-size B` narrows the scaling section to one point, that fleet at batch size
 * B. Without `--batch-size` the section measures the default grid. Throws naming the flag.
 */
export function scaleFlags(
  hostsRaw: string,
  batchSizeRaw: string | undefined,
): { hosts: number; points: ScalePoint[] } {
  const hosts = wholeNumberFlag("--hosts", hostsRaw, 1, MAX_FLEET_HOSTS);
  if (batchSizeRaw === undefined) return { hosts, points: scalePoints() };
  const batchSize = wholeNumberFlag("--batch-size", batchSizeRaw, 1, MAX_FLEET_HOSTS);
  return { hosts, points: [{ hosts, batchSize }] };
}

/**
 * Each batch's wall time: its slowest host (the hosts of a batch run at once, and the next batch
 * starts when the last of them returns). `hostMs` in rollout order, `batchHosts` hosts per batch.
 */
export function batchDurations(hostMs: number[], batchHosts: number[]): number[] {
  let next = 0;
  return batchHosts.flatMap((size) => {
    const batch = hostMs.slice(next, next + size);
    next += size;
    return batch.length ? [Math.max(...batch)] : [];
  });
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A measured point, as far as the fit needs it. */
export interface MeasuredPoint extends ScalePoint {
  batches: number;
  totalMs: number;
  ok: boolean;
}

export interface ScalingFit {
  /** total ms = intercept + slope × batches, through every point that succeeded. */
  all: LineFit | null;
  /** The same per batch size (batches of 3 hosts cost more than batches of 1 on shared cores). */
  byBatchSize: { batchSize: number; fit: LineFit | null }[];
}

export function scalingFit(points: MeasuredPoint[]): ScalingFit {
  const ok = points.filter((p) => p.ok);
  const line = (ps: MeasuredPoint[]) => fitLine(ps.map((p) => ({ x: p.batches, y: p.totalMs })));
  const sizes = [...new Set(ok.map((p) => p.batchSize))].sort((a, b) => a - b);
  return {
    all: line(ok),
    byBatchSize: sizes.map((batchSize) => ({
      batchSize,
      fit: line(ok.filter((p) => p.batchSize === batchSize)),
    })),
  };
}

/** A rollout's projected wall time on a bigger fleet, by a batch size's line. */
export interface Projection {
  hosts: number;
  batchSize: number;
  batches: number;
  /** intercept + slope × batches; null where that batch size has no line. */
  totalMs: number | null;
}

/** Each batch size's line carried to `hosts` (the local fleet's per-batch cost, nothing more). */
export function projectRollouts(
  fit: ScalingFit,
  hosts = PROJECTED_HOSTS,
  releaseCommand = true,
): Projection[] {
  return fit.byBatchSize.map(({ batchSize, fit: line }) => {
    const batches = batchCount(hosts, batchSize, releaseCommand);
    return {
      hosts,
      batchSize,
      batches,
      totalMs: line ? Math.round(line.intercept + line.slope * batches) : null,
    };
  });
}
