/** The wait for a host's target to be healthy behind the ALB, with a scripted reader for AWS. */
import assert from "node:assert/strict";
import { TargetReading, waitUntilHealthy } from "../../infra/src/targetHealth";

function scripted(readings: TargetReading[]) {
  let clock = 0;
  let i = 0;
  return {
    read: async () => readings[Math.min(i++, readings.length - 1)] as TargetReading,
    options: {
      timeoutMs: 60_000,
      intervalMs: 5_000,
      sleep: async (ms: number) => {
        clock += ms;
      },
      now: () => clock,
    },
  };
}

describe("waiting for a target to be healthy behind the load balancer", () => {
  it("returns once the target is healthy, after the initial checks", async () => {
    const s = scripted([
      {},
      { state: "initial", reason: "Elb.InitialHealthChecking" },
      { state: "initial" },
      { state: "healthy" },
    ]);
    assert.deepEqual(await waitUntilHealthy("host-1 (i-1)", s.read, s.options), {
      readings: 4,
      waitedMs: 15_000,
    });
  });

  it("fails after the timeout, naming the target and its last state and reason", async () => {
    const s = scripted([{ state: "unhealthy", reason: "Target.FailedHealthChecks" }]);
    await assert.rejects(
      waitUntilHealthy("host-2 (i-2)", s.read, s.options),
      /host-2 \(i-2\) is not healthy behind the load balancer after 60 s \(last state: unhealthy, Target.FailedHealthChecks\)/,
    );
  });
});
