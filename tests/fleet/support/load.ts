import autocannon from "autocannon";

/** What a load run counted: every request sent, and every one that failed or was not 2xx. */
export interface LoadCounts {
  sent: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  /** The non-2xx answers by status code (502 from nginx, 503 from the LB with no host up...). */
  non2xxCodes: Record<string, number>;
  /** The first few non-2xx answers, status and the start of the body: which part answered. */
  non2xxSamples: string[];
}

const MAX_SAMPLES = 5;

/**
 * Constant, bounded load through the LB on 127.0.0.1 while `during` runs: a fixed request rate,
 * a hard time limit, and a stop as soon as `during` settles.
 */
export async function underLoad<T>(
  url: string,
  during: () => Promise<T>,
  options: { rate?: number; connections?: number; maxSeconds?: number } = {},
): Promise<{ result: T; load: LoadCounts }> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url))
    throw new Error(`load only targets 127.0.0.1 (got ${url})`);
  let finish: (r: autocannon.Result) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const non2xxSamples: string[] = [];
  const instance = autocannon(
    {
      url,
      requests: [
        {
          onResponse: (status: number, body: string) => {
            if ((status < 200 || status > 299) && non2xxSamples.length < MAX_SAMPLES)
              non2xxSamples.push(`${status}: ${body.replace(/\s+/g, " ").slice(0, 160)}`);
          },
        },
      ],
      connections: options.connections ?? 8,
      overallRate: options.rate ?? 100,
      duration: options.maxSeconds ?? 300,
      timeout: 10,
    },
    (err, r) => (err ? fail(err) : finish(r)),
  );
  let result: T;
  try {
    result = await during();
  } finally {
    // A moment of steady state after the change, then stop.
    await new Promise((r) => setTimeout(r, 1500));
    instance.stop();
  }
  const r = await finished;
  const ok2xx = r["2xx"];
  const byCode = (r as unknown as { statusCodeStats?: Record<string, { count: number }> })
    .statusCodeStats;
  const non2xxCodes = Object.fromEntries(
    Object.entries(byCode ?? {})
      .filter(([code]) => !code.startsWith("2"))
      .map(([code, stats]) => [code, stats.count]),
  );
  return {
    result,
    load: {
      sent: r.requests.sent,
      ok2xx,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      durationS: r.duration,
      non2xxCodes,
      non2xxSamples,
    },
  };
}
