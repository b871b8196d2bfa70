import * as assert from "node:assert/strict";
import { renderMarkdown } from "../../bench/src/markdown";
import type {
  BenchResults,
  GuardFigures,
  RollbackFigures,
  RolloutFigures,
} from "../../bench/src/results";
import { summarizeTraffic } from "../../bench/src/stats";
import { bakedMs, checkTargets } from "../../bench/src/targets";
import { REPORT_HEADER } from "../support/bench-report-header";

const IMAGE = `reg:5000/berth/app@sha256:${"b".repeat(64)}`;

const traffic = (non2xx: number) => ({
  settings: { url: "", path: "/", ratePerSecond: 100, connections: 10, timeoutSeconds: 10 },
  durationMs: 1000,
  summary: summarizeTraffic([
    ...Array.from({ length: 10 }, (_, i) => ({ atMs: i, latencyMs: 1, status: 200 })),
    ...Array.from({ length: non2xx }, () => ({ atMs: 0, latencyMs: 1, status: 500 })),
  ]),
  perSecond: [],
  phases: [],
  cpu: null,
  hostRuns: [],
  loadStartedAtMs: 0,
});

const rollback = (mode: RollbackFigures["mode"], allServingAfterMs: number | null) =>
  ({
    mode,
    toDigest: IMAGE,
    hosts: [
      {
        host: "host-1",
        outcome: "rolled-back",
        pulled: false,
        servingAfterMs: 2100,
        observedAfterMs: 2200,
        wallMs: 2600,
        phasesMs: {},
      },
    ],
    totalMs: 2600,
    allServingAfterMs,
    ok: true,
    error: null,
    traffic: traffic(0),
  }) satisfies RollbackFigures;

const bakedRollout: RolloutFigures = {
  from: IMAGE,
  to: IMAGE,
  bakeSeconds: 5,
  hosts: ["host-1", "host-2"].map((host) => ({
    host,
    outcome: "deployed",
    phasesMs: { boot: 1000, switch: 100, bake: 5000 },
    agentTotalMs: 6200,
    wallMs: 6500,
    sshMs: 300,
    unattributedMs: 100,
    floor: null,
    ratioToFloor: null,
    servingAfterMs: 1500,
    bake: null,
    background: { state: "succeeded", reason: "", phasesMs: { drain: 3000, prune: 200 } },
  })),
  totalMs: 13_000,
  floorTotalMs: 2600,
  ratioToFloor: 5,
  ok: true,
  error: null,
};

const guard: GuardFigures = {
  bakeSeconds: 10,
  host: "host-1",
  exitCode: 9,
  exitName: "switchedBack",
  bake: {
    seconds: 10,
    requests: 14,
    errors: 14,
    previousRequests: 300,
    previousErrors: 0,
    maxErrorRate: 0.01,
    verdict: "switched-back",
    switchBackAfterMs: 812,
  },
  switchBackAfterMs: 812,
  failedBeforeSwitchBack: 31,
  failedAfterSwitchBack: 0,
  firstHostAnswers: { requests: 60, errors: 27 },
  untouched: ["host-2", "host-3"],
  fleetOnPrevious: true,
  releasesAfter: { "host-1": "aaa-bbb", "host-2": "aaa-bbb", "host-3": "aaa-bbb" },
  error: "rollout stopped: host-1: agent failed (switchedBack): the bake saw 14 5xx",
  traffic: { ...traffic(31), settings: { ...traffic(0).settings, path: "/version" } },
};

const none = { rollout: null, rolloutTraffic: null, rollback: null, nginx: null, image: null };
const byName = (checks: ReturnType<typeof checkTargets>, part: string) =>
  checks.find((c) => c.name.includes(part));

describe("bench targets for the deploy guard and the fleet's rollback", () => {
  it("holds the parallel rollback to 5 s to every host serving, and names the one-at-a-time time", () => {
    const checks = checkTargets({
      ...none,
      rollback: rollback("parallel", 4200),
      rollbackOneAtATime: rollback("one-at-a-time", 9800),
    });
    const fleet = byName(checks, "rollback of the whole fleet");
    assert.equal(fleet?.met, true);
    assert.equal(fleet?.value, "4.20 s (one at a time: 9.80 s)");
    assert.equal(byName(checks, "failed requests during the rollback")?.met, true);
    assert.equal(
      byName(checkTargets({ ...none, rollback: rollback("parallel", null) }), "whole fleet")?.met,
      false,
    );
  });

  it("reports the baked rollout against its floor with the time spent baking, holding it to nothing", () => {
    assert.equal(bakedMs(bakedRollout.hosts), 10_000);
    const check = byName(checkTargets({ ...none, rolloutWithBake: bakedRollout }), "default bake");
    assert.equal(check?.met, null);
    assert.equal(check?.value, "5.00x (13.00 s / 2.60 s, of which baking 10.00 s)");
  });

  it("meets the guard target only when the bake switched back and the fleet is on the previous release", () => {
    assert.equal(byName(checkTargets({ ...none, guard }), "guard")?.met, true);
    assert.equal(
      byName(checkTargets({ ...none, guard: { ...guard, fleetOnPrevious: false } }), "guard")?.met,
      false,
    );
    const stayed = { ...guard, bake: { ...guard.bake!, verdict: "passed" as const } };
    assert.match(
      byName(checkTargets({ ...none, guard: stayed }), "guard")?.value ?? "",
      /^not switched back/,
    );
  });
});

describe("bench markdown for the guard, the baked rollout and the rollbacks", () => {
  const base = {
    ...REPORT_HEADER,
    ...none,
    programEvaluation: null,
    targets: [],
    notes: [],
  };

  it("renders a section per rollout, per rollback mode and for the guard, and a traffic row each", () => {
    const md = renderMarkdown({
      ...base,
      rolloutWithBake: bakedRollout,
      rolloutWithBakeTraffic: traffic(0),
      rollback: rollback("parallel", 4200),
      rollbackOneAtATime: rollback("one-at-a-time", 9800),
      guard,
    } as unknown as BenchResults);
    assert.match(md, /### The same kind of change with the default bake, bake 5 s/);
    assert.match(md, /\| host-1 \| 1000 \| 100 \| 5000 \|/);
    assert.match(md, /3200 \(succeeded\)/);
    assert.match(
      md,
      /every host at once \(cached image, no pull\): every host serving the previous release after 4.20 s/,
    );
    assert.match(md, /one host at a time .* after 9.80 s/);
    assert.match(md, /\| during the rollback \(at once\) \(GET \/\) \| 10 \|/);
    assert.match(md, /\| guard scenario \(GET \/version\) \| 41 \| 31 \|/);
    assert.match(md, /\| switch-back after the switch \| 0.81 s \|/);
    assert.match(md, /\| failed requests through the LB before the switch-back .*\| 31 \|/);
    assert.match(md, /\| 27 of 60 logged since the deploy started \|/);
    assert.match(md, /\| fleet on the previous release afterwards \| yes/);
  });

  it("still renders a results file written before these figures existed", () => {
    const md = renderMarkdown(base as unknown as BenchResults);
    assert.doesNotMatch(md, /Rollback|guard/);
  });
});
