import * as assert from "node:assert/strict";
import { HostRun, hostFigures, phaseSpans, phasesOf, servingAfterMs } from "../../bench/src/phases";
import { checkTargets } from "../../bench/src/targets";
import { summarizeTraffic } from "../../bench/src/stats";

const origin = Date.parse("2026-11-26T12:00:00.000Z");
/** A host whose deployer started 1 s after the load and whose agent started 200 ms later (SSH). */
function run(durations: Record<string, number>, wallMs: number): HostRun {
  const agentStart = origin + 1000 + 200;
  return {
    host: "host-1",
    startedAtMs: origin + 1000,
    wallMs,
    summary: {
      time: new Date(agentStart + durations.total!).toISOString(),
      outcome: "deployed",
      pulled: true,
      durationsMs: durations,
    },
  };
}
/** A deploy that returns after its bake (drain, old workers and prune run in the background). */
const durations = {
  lock: 10,
  login: 90,
  pull: 400,
  boot: 1500,
  smoke: 50,
  switch: 300,
  bake: 3000,
  workers: 450,
  total: 6100,
};

describe("bench phases: from the agent's receipt to figures", () => {
  it("keeps the named phases in the agent's order and drops unknown keys and the total", () => {
    assert.deepEqual(Object.keys(phasesOf({ ...durations, extra: 5 })), [
      "lock",
      "login",
      "pull",
      "boot",
      "smoke",
      "switch",
      "bake",
      "workers",
    ]);
  });

  it("splits the wall time into SSH, named phases and the agent's unattributed rest, and divides by the floor", () => {
    const figures = hostFigures(run(durations, 6400), {
      pullMs: 300,
      bootToHealthyMs: 1200,
      totalMs: 1500,
      pollIntervalMs: 50,
    });
    assert.equal(figures.agentTotalMs, 6100);
    assert.equal(figures.sshMs, 300);
    assert.equal(figures.unattributedMs, 6100 - 5800);
    assert.equal(figures.ratioToFloor, 4.267);
  });

  it("has no ratio without a floor and no split without a receipt", () => {
    const figures = hostFigures(
      { host: "host-2", startedAtMs: origin, wallMs: 900, summary: null },
      null,
    );
    assert.equal(figures.ratioToFloor, null);
    assert.equal(figures.sshMs, null);
    assert.equal(figures.outcome, "no summary");
  });

  it("places the phases one after another from the agent's start, after the SSH span", () => {
    const spans = phaseSpans(run(durations, 6400), origin);
    assert.deepEqual(spans[0], { host: "host-1", phase: "overhead", startMs: 1000, endMs: 1200 });
    assert.deepEqual(spans[1], { host: "host-1", phase: "lock", startMs: 1200, endMs: 1210 });
    // What the agent's clock does not cover (its receipt, the SSH close) closes the host's span.
    assert.deepEqual(spans[spans.length - 1], {
      host: "host-1",
      phase: "overhead",
      startMs: 7000,
      endMs: 7400,
    });
    const sw = spans.find((s) => s.phase === "switch");
    assert.deepEqual(sw, {
      host: "host-1",
      phase: "switch",
      startMs: 1200 + 2050,
      endMs: 1200 + 2350,
    });
  });

  it("says the previous release serves from the end of the switch, counted from the deployer's start", () => {
    assert.equal(servingAfterMs(run(durations, 6400)), 200 + 2350);
  });

  it("shifts the phases so the switch ends at the known switch moment, and serves from there", () => {
    const known = { ...run(durations, 6400), switchedAtMs: origin + 1000 + 3400 };
    const spans = phaseSpans(known, origin);
    const sw = spans.find((s) => s.phase === "switch");
    assert.deepEqual([sw?.startMs, sw?.endMs], [4100, 4400]);
    // Everything moved by the same 850 ms: the SSH span now runs up to the shifted first phase.
    assert.deepEqual(spans[0], { host: "host-1", phase: "overhead", startMs: 1000, endMs: 2050 });
    assert.equal(servingAfterMs(known), 3400);
    assert.equal(hostFigures(known, null).servingAfterMs, 3400);
  });

  it("falls back to one SSH span for a host without a receipt", () => {
    const spans = phaseSpans(
      { host: "host-3", startedAtMs: origin + 500, wallMs: 800, summary: null },
      origin,
    );
    assert.deepEqual(spans, [{ host: "host-3", phase: "overhead", startMs: 500, endMs: 1300 }]);
  });
});

describe("bench targets", () => {
  const traffic = (failed: number, non2xx: number) => ({
    settings: { url: "", path: "/", ratePerSecond: 100, connections: 10, timeoutSeconds: 10 },
    durationMs: 1000,
    summary: summarizeTraffic([
      ...Array.from({ length: 10 }, (_, i) => ({ atMs: i, latencyMs: 1, status: 200 })),
      ...Array.from({ length: failed }, () => ({ atMs: 0, latencyMs: null, status: null })),
      ...Array.from({ length: non2xx }, () => ({ atMs: 0, latencyMs: 1, status: 502 })),
    ]),
    perSecond: [],
    phases: [],
    cpu: null,
    hostRuns: [],
    loadStartedAtMs: 0,
  });
  const byName = (checks: ReturnType<typeof checkTargets>, part: string) =>
    checks.find((c) => c.name.includes(part));

  it("marks every target unmeasured (met: null) when nothing ran", () => {
    const checks = checkTargets({
      rollout: null,
      rolloutTraffic: null,
      rollback: null,
      nginx: null,
      image: null,
    });
    assert.equal(checks.length, 21);
    assert.ok(checks.every((c) => c.met === null && c.value === "not measured"));
  });

  it("counts a non-2xx answer during the rollout against the zero-failure target", () => {
    assert.equal(
      byName(
        checkTargets({
          rollout: null,
          rolloutTraffic: traffic(0, 0),
          rollback: null,
          nginx: null,
          image: null,
        }),
        "failed",
      )?.met,
      true,
    );
    const missed = byName(
      checkTargets({
        rollout: null,
        rolloutTraffic: traffic(0, 1),
        rollback: null,
        nginx: null,
        image: null,
      }),
      "failed",
    );
    assert.equal(missed?.met, false);
    assert.equal(missed?.value, "0 failed, 1 non-2xx of 11");
  });

  it("reads the image, rebuild and nginx targets at their limits", () => {
    const image = {
      sizeBytes: 150_000_001,
      compressedBytes: 1,
      coldBuildMs: 1,
      rebuildMs: 10_000,
      rebuildPushedBytes: 1,
      rebuildPushedLayers: 1,
      pushMs: 1,
    };
    const lat = { p50: 1, p95: 1, p99: 1, max: 1, mean: 1 };
    const side = (target: "direct" | "nginx") => ({
      target,
      connections: 64,
      durationSeconds: 1,
      requestsPerSecond: 1,
      latencyMs: lat,
      non2xx: 0,
      failed: 0,
      cpu: null,
    });
    const nginx = {
      throughput: [64, 1].map((connections) => ({
        connections,
        direct: side("direct"),
        nginx: side("nginx"),
        rpsRatio: 0.8,
        p50AddedMs: 0.31,
        p99AddedMs: 0,
      })),
      slowClients: [],
    };
    const checks = checkTargets({
      rollout: null,
      rolloutTraffic: null,
      rollback: null,
      nginx,
      image,
    });
    assert.equal(byName(checks, "image size")?.met, false);
    assert.equal(byName(checks, "rebuild")?.met, true);
    assert.equal(byName(checks, "rps")?.met, true);
    assert.equal(byName(checks, "p50 added")?.met, false);
  });
});
