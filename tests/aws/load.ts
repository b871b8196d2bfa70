/**
 * Constant load through the ALB while a release rolls out, and the count of what failed.
 *
 * Open model: requests leave at a fixed rate whether or not earlier ones answered, so a stalled
 * target shows up as timeouts instead of as a slower client. Bounded in count (rate × maxSeconds)
 * and time (maxSeconds, and a timeout per request); a request that would exceed `maxInFlight`
 * is not sent and counts as failed.
 *
 * A failure is anything but a 2xx answer within the timeout: a 502/503/504 from the ALB while a
 * target drains, a reset connection, a timeout.
 */

export type Outcome = { kind: "status"; status: number } | { kind: "error"; error: string };

export interface LoadSummary {
  /** Requests attempted (including any refused by the in-flight limit). */
  sent: number;
  /** Answered 2xx. */
  ok: number;
  /** Answered with any other status. */
  non2xx: number;
  /** No answer: timeout, connection refused or reset, in-flight limit. */
  errors: number;
  /** non2xx + errors. */
  failed: number;
  /** Sent, not yet answered (0 in a finished run). */
  pending: number;
  /** Failed answers by status, e.g. { "502": 3 }. */
  statuses: Record<string, number>;
  /** Errors by kind, e.g. { timeout: 1, ECONNRESET: 2 }. */
  errorKinds: Record<string, number>;
  /** The first few failures with the second (since the load started) their request left. */
  firstFailures: string[];
}

const FIRST_FAILURES = 5;

/** Counts outcomes. Pure: no clock, no network. */
export class LoadCounter {
  private counts = { sent: 0, ok: 0, non2xx: 0, errors: 0 };
  private statuses: Record<string, number> = {};
  private errorKinds: Record<string, number> = {};
  private failures: string[] = [];

  /** A request left. */
  sent(): void {
    this.counts.sent++;
  }

  /** Its outcome; `atSeconds` is when it left, relative to the start of the load. */
  record(outcome: Outcome, atSeconds: number): void {
    let label: string;
    if (outcome.kind === "status" && outcome.status >= 200 && outcome.status < 300) {
      this.counts.ok++;
      return;
    }
    if (outcome.kind === "status") {
      this.counts.non2xx++;
      label = String(outcome.status);
      this.statuses[label] = (this.statuses[label] ?? 0) + 1;
    } else {
      this.counts.errors++;
      label = outcome.error;
      this.errorKinds[label] = (this.errorKinds[label] ?? 0) + 1;
    }
    if (this.failures.length < FIRST_FAILURES)
      this.failures.push(`+${atSeconds.toFixed(1)}s ${label}`);
  }

  summary(): LoadSummary {
    const { sent, ok, non2xx, errors } = this.counts;
    return {
      sent,
      ok,
      non2xx,
      errors,
      failed: non2xx + errors,
      pending: sent - ok - non2xx - errors,
      statuses: { ...this.statuses },
      errorKinds: { ...this.errorKinds },
      firstFailures: [...this.failures],
    };
  }
}

/** One line: `1200 sent, 1198 2xx, 2 failed (502 x2); first: +41.0s 502, +41.2s 502`. */
export function formatLoad(s: LoadSummary): string {
  const kinds = [...Object.entries(s.statuses), ...Object.entries(s.errorKinds)]
    .map(([kind, n]) => `${kind} x${n}`)
    .join(", ");
  const detail = s.failed > 0 ? ` (${kinds}); first: ${s.firstFailures.join(", ")}` : "";
  const pending = s.pending > 0 ? `, ${s.pending} unanswered` : "";
  return `${s.sent} sent, ${s.ok} 2xx, ${s.failed} failed${detail}${pending}`;
}

/** Why a load run does not pass, or undefined: at most `maxFailed` failures, and some traffic. */
export function loadProblem(s: LoadSummary, maxFailed: number): string | undefined {
  if (s.sent === 0) return "no request was sent during the rollout";
  if (s.failed > maxFailed)
    return `${s.failed} of ${s.sent} requests failed (allowed: ${maxFailed}): ${formatLoad(s)}`;
  return undefined;
}

/** What a request gives back; the global `fetch` fits. */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string> },
) => Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

export interface LoadOptions {
  url: string;
  ratePerSecond: number;
  /** Stops sending after this long even if nobody calls stop(). */
  maxSeconds: number;
  requestTimeoutMs: number;
  maxInFlight: number;
  fetch?: FetchLike;
}

export interface LoadRun {
  /** Stops sending, waits for the requests in flight (each bounded by its timeout), counts. */
  stop(): Promise<LoadSummary>;
}

/** The kind of a failed request: timeout, a socket error code, or the error's name. */
export function errorKind(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "timeout";
  return e?.cause?.code ?? e?.code ?? e?.cause?.name ?? e?.name ?? "error";
}

export function startLoad(options: LoadOptions): LoadRun {
  const { url, ratePerSecond: rate, maxSeconds, requestTimeoutMs, maxInFlight } = options;
  if (!(rate > 0) || !(maxSeconds > 0)) throw new Error("rate and maxSeconds must be positive");
  const fetchImpl: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  const counter = new LoadCounter();
  const maxRequests = Math.ceil(rate * maxSeconds);
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let scheduled = 0;
  let timer: NodeJS.Timeout | undefined;

  const send = async (atSeconds: number): Promise<void> => {
    try {
      const response = await fetchImpl(url, {
        signal: AbortSignal.timeout(requestTimeoutMs),
        headers: { "user-agent": "berth-acceptance-load" },
      });
      await response.arrayBuffer();
      counter.record({ kind: "status", status: response.status }, atSeconds);
    } catch (error) {
      counter.record({ kind: "error", error: errorKind(error) }, atSeconds);
    }
  };

  const fire = (atSeconds: number): void => {
    counter.sent();
    if (inFlight.size >= maxInFlight) {
      counter.record({ kind: "error", error: "in-flight limit" }, atSeconds);
      return;
    }
    const request = send(atSeconds).finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  const stopTimer = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const tick = (): void => {
    const elapsed = (Date.now() - started) / 1000;
    const due = Math.min(maxRequests, Math.floor(elapsed * rate) + 1);
    while (scheduled < due) {
      scheduled++;
      fire(elapsed);
    }
    if (scheduled >= maxRequests || elapsed >= maxSeconds) stopTimer();
  };

  timer = setInterval(tick, Math.max(5, Math.floor(1000 / rate / 2)));
  tick();

  return {
    async stop() {
      stopTimer();
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return counter.summary();
    },
  };
}
