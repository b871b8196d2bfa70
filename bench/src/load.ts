/**
 * Load with autocannon, keeping every request's outcome (time, latency, status or error) so the
 * bench can cut it into seconds and phases afterwards. Two modes: a constant rate (`ratePerSecond`,
 * autocannon's overallRate: each connection sends its share at the start of every second) that runs
 * until stopped, and a closed loop (no rate) for a fixed duration to find the throughput.
 */
import autocannon from "autocannon";
import { Sample } from "./stats";

export interface LoadOptions {
  url: string;
  /** Requests per second over all connections; omit for as fast as the target answers. */
  ratePerSecond?: number;
  connections: number;
  /** Hard upper bound on the run, seconds (the constant-rate load is normally stopped earlier). */
  maxSeconds: number;
  timeoutSeconds?: number;
}

export interface LoadRun {
  /** Epoch ms when the load started: sample times are relative to it. */
  startedAtMs: number;
  samples: Sample[];
  /** Stops the load (if still running) and waits for autocannon's result. */
  stop(): Promise<LoadResult>;
}

export interface LoadResult {
  samples: Sample[];
  startedAtMs: number;
  durationMs: number;
  /** autocannon's own count of completed requests per second (mean), closed-loop runs. */
  requestsPerSecond: number;
}

/**
 * A request's latency, as the smaller of two upper bounds. autocannon 9 keeps a queue of sent
 * requests per connection and does not clear it when the server closes the connection (nginx does
 * after `keepalive_requests`): from then on each response is timed from an older request's start,
 * and latencies grow with every reconnect. With one request in flight per connection, a request is
 * sent only after the connection's previous response, so the time since that response also bounds
 * its latency, and is exact in a closed loop.
 */
export function boundedLatency(reportedMs: number, sincePreviousResponseMs: number | null): number {
  return sincePreviousResponseMs === null
    ? reportedMs
    : Math.min(reportedMs, sincePreviousResponseMs);
}

export function startLoad(options: LoadOptions): LoadRun {
  const samples: Sample[] = [];
  const startedAtMs = Date.now();
  let resolveDone: (result: LoadResult) => void = () => undefined;
  let rejectDone: (error: Error) => void = () => undefined;
  const done = new Promise<LoadResult>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.maxSeconds,
      timeout: options.timeoutSeconds ?? 5,
      ...(options.ratePerSecond ? { overallRate: options.ratePerSecond } : {}),
    },
    (error, result) => {
      if (error) rejectDone(error as Error);
      else
        resolveDone({
          samples,
          startedAtMs,
          durationMs: Date.now() - startedAtMs,
          requestsPerSecond: result.requests.average,
        });
    },
  );
  const lastResponseAt = new Map<unknown, number>();
  instance.on("response", (client, statusCode, _bytes, responseTime) => {
    const now = performance.now();
    const previous = lastResponseAt.get(client);
    lastResponseAt.set(client, now);
    samples.push({
      atMs: Date.now() - startedAtMs,
      latencyMs: boundedLatency(responseTime, previous === undefined ? null : now - previous),
      status: statusCode,
    });
  });
  instance.on("reqError", () => {
    samples.push({ atMs: Date.now() - startedAtMs, latencyMs: null, status: null });
  });
  let stopped = false;
  return {
    startedAtMs,
    samples,
    stop() {
      if (!stopped) {
        stopped = true;
        instance.stop();
      }
      return done;
    },
  };
}

/** A closed-loop run of `seconds` seconds; resolves when it is over. */
export async function closedLoop(
  url: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const run = startLoad({ url, connections, maxSeconds: seconds, timeoutSeconds: 10 });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 200));
  return run.stop();
}
