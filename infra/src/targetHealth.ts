/**
 * Waiting for one target to be healthy behind the load balancer: the poll loop, apart from the
 * AWS client (components/healthyTarget.ts supplies `read`), so it is tested without AWS.
 */

/** One reading of a target's health, as DescribeTargetHealth reports it. */
export interface TargetReading {
  /** initial, healthy, unhealthy, unused, draining, unavailable; undefined when not registered. */
  state?: string;
  /** AWS's reason code, e.g. Elb.InitialHealthChecking or Target.FailedHealthChecks. */
  reason?: string;
}

export interface WaitOptions {
  /** Give up after this long, naming the last state. */
  timeoutMs: number;
  /** Pause between readings. */
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Polls `read` until the target is healthy; throws with the last state once `timeoutMs` passed. */
export async function waitUntilHealthy(
  target: string,
  read: () => Promise<TargetReading>,
  options: WaitOptions,
): Promise<{ readings: number; waitedMs: number }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const started = now();
  for (let readings = 1; ; readings++) {
    const reading = await read();
    if (reading.state === "healthy") return { readings, waitedMs: now() - started };
    if (now() - started >= options.timeoutMs) {
      const state = reading.state ?? "not registered";
      throw new Error(
        `${target} is not healthy behind the load balancer after ${Math.round(options.timeoutMs / 1000)} s (last state: ${state}${reading.reason ? `, ${reading.reason}` : ""}); the hosts after it were not touched`,
      );
    }
    await sleep(options.intervalMs);
  }
}
