/**
 * Pure aggregation of the benchmark's raw samples: percentiles, per-second buckets and ratios.
 * Nothing here does I/O, so the unit tests (tests/unit/bench-stats.test.ts) pin every rule.
 */

/** One request as the load generator saw it. */
export interface Sample {
  /** When the response (or the error) arrived, in ms since the load started. */
  atMs: number;
  /** Time from sending to the full response, in ms; null for a request that got no response. */
  latencyMs: number | null;
  /** HTTP status; null when the request failed (connection error, reset, timeout). */
  status: number | null;
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export interface TrafficSummary {
  /** Requests that got an answer or an error (sent = ok + non2xx + failed). */
  sent: number;
  ok: number;
  /** Answered with a status other than 2xx. */
  non2xx: number;
  /** No HTTP answer at all: connection refused or reset, timeout. */
  failed: number;
  /** Latency of answered requests (any status), ms. */
  latencyMs: LatencySummary;
  /** Status code -> count, answered requests only. */
  statusCounts: Record<string, number>;
}

export interface SecondBucket extends TrafficSummary {
  /** Whole seconds since the load started: this bucket holds samples with atMs in [t*1000, t*1000+1000). */
  t: number;
}

/**
 * The p-th percentile (0 < p <= 100) by the nearest-rank method on ascending values: the smallest
 * value with at least p% of the values at or below it. Null for no values.
 */
export function percentile(sortedAscending: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100] (got ${p})`);
  const n = sortedAscending.length;
  if (n === 0) return null;
  const rank = Math.ceil((p / 100) * n);
  return sortedAscending[Math.min(n, Math.max(1, rank)) - 1] ?? null;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

export function summarizeLatency(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => {
    const v = percentile(sorted, p);
    return v === null ? null : round3(v);
  };
  return {
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted.length ? round3(sorted[sorted.length - 1] as number) : null,
    mean: sorted.length ? round3(sorted.reduce((s, v) => s + v, 0) / sorted.length) : null,
  };
}

export const isOk = (status: number | null) => status !== null && status >= 200 && status < 300;

export function summarizeTraffic(samples: readonly Sample[]): TrafficSummary {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  let failed = 0;
  for (const sample of samples) {
    if (sample.status === null) {
      failed++;
      continue;
    }
    statusCounts[String(sample.status)] = (statusCounts[String(sample.status)] ?? 0) + 1;
    if (isOk(sample.status)) ok++;
    else non2xx++;
    if (sample.latencyMs !== null) latencies.push(sample.latencyMs);
  }
  return {
    sent: samples.length,
    ok,
    non2xx,
    failed,
    latencyMs: summarizeLatency(latencies),
    statusCounts,
  };
}

/**
 * Groups samples by the whole second they completed in, from second 0 to the last second with a
 * sample (or `untilMs`, if later). Seconds with no samples are kept, empty: a stall is visible.
 */
export function perSecond(samples: readonly Sample[], untilMs = 0): SecondBucket[] {
  const lastMs = samples.reduce((m, s) => Math.max(m, s.atMs), untilMs);
  const count = samples.length === 0 && untilMs <= 0 ? 0 : Math.floor(lastMs / 1000) + 1;
  const groups: Sample[][] = Array.from({ length: count }, () => []);
  for (const sample of samples) {
    if (sample.atMs < 0) continue;
    groups[Math.floor(sample.atMs / 1000)]?.push(sample);
  }
  return groups.map((group, t) => ({ t, ...summarizeTraffic(group) }));
}

/** Samples whose atMs lies in [fromMs, toMs), re-based so that fromMs becomes 0. */
export function window(samples: readonly Sample[], fromMs: number, toMs: number): Sample[] {
  return samples
    .filter((s) => s.atMs >= fromMs && s.atMs < toMs)
    .map((s) => ({ ...s, atMs: s.atMs - fromMs }));
}

/** a / b rounded to 3 decimals; null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return round3(a / b);
}

/** a - b rounded to 3 decimals; null when either is missing. */
export function difference(
  a: number | null | undefined,
  b: number | null | undefined,
): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  return round3(a - b);
}
