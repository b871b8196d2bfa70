import type { BenchResults } from "./results";

/** The chart's subtitle: the load, the machine and the commit it was drawn from. */
export function chartSubtitle(results: BenchResults): string {
  return (
    `${results.rolloutTraffic?.settings.ratePerSecond} req/s constant through the LB, ` +
    `${results.machine.cores} cores, commit ${results.commit.sha?.slice(0, 12) ?? "unknown"}, ${results.startedAt}; ` +
    "bands: each host's deploy phases"
  );
}
