import * as assert from "node:assert/strict";
import { renderMarkdown } from "../../bench/src/markdown";
import type {
  BenchResults,
  NginxComparison,
  SlowClientFigures,
  ThroughputFigures,
} from "../../bench/src/results";
import { summarizeTraffic } from "../../bench/src/stats";
import { checkTargets, cpuPerRequestUs, nginxChecks } from "../../bench/src/targets";
import { REPORT_HEADER } from "../support/bench-report-header";

const latency = (p50: number) => ({ p50, p95: p50, p99: p50 * 2, max: p50 * 3, mean: p50 });

/** One side of a comparison: `rps` for 10 s, with CPU in ms over those 10 s. */
function side(
  target: "direct" | "nginx",
  rps: number,
  p50: number,
  cpuMs: { app: number; nginx?: number; loadGenerator: number; dockerd: number; other: number },
): ThroughputFigures {
  const containers: Record<string, number | null> = { app: cpuMs.app, nginx: cpuMs.nginx ?? 0 };
  return {
    target,
    connections: 64,
    durationSeconds: 10,
    requestsPerSecond: rps,
    latencyMs: latency(p50),
    non2xx: 0,
    failed: 0,
    cpu: {
      wallMs: 10_000,
      cpuMs: {
        loadGenerator: cpuMs.loadGenerator,
        dockerd: cpuMs.dockerd,
        machineBusy:
          cpuMs.app + (cpuMs.nginx ?? 0) + cpuMs.loadGenerator + cpuMs.dockerd + cpuMs.other,
        other: cpuMs.other,
        containers,
      },
    },
  };
}

/** 1000 rps direct; nginx at `ratio` of it, with `nginxUs` of its CPU per request. */
function comparison(
  path: string | undefined,
  connections: number,
  ratio: number,
  p50AddedMs: number,
  nginxUs: number,
): NginxComparison {
  const rps = 1000 * ratio;
  const requests = rps * 10;
  return {
    ...(path === undefined ? {} : { path }),
    connections,
    direct: side("direct", 1000, 1, { app: 500, loadGenerator: 400, dockerd: 100, other: 0 }),
    nginx: side("nginx", rps, 1 + p50AddedMs, {
      app: requests * 0.05,
      nginx: (requests * nginxUs) / 1000,
      loadGenerator: requests * 0.04,
      dockerd: requests * 0.01,
      other: requests * 0.002,
    }),
    rpsRatio: ratio,
    p50AddedMs,
    p99AddedMs: p50AddedMs * 2,
    nginxCpuUsPerRequest: { total: nginxUs, user: nginxUs / 4, system: (nginxUs * 3) / 4 },
  };
}

const slowClients = (target: "direct" | "nginx", p50: number): SlowClientFigures => ({
  target,
  slowClients: 100,
  readBytesPerTick: 4096,
  tickMs: 100,
  responseBytes: 400_000,
  normalTraffic: summarizeTraffic([{ atMs: 0, latencyMs: 1, status: 200 }]),
  appConnectionsPeak: 40,
  appConnectionsMean: 30,
  appResponseMs: latency(p50),
  slowClientsCompleted: 100,
});

/** Every target met: both routes at 1 and 64 connections. */
const good = () => ({
  throughput: [
    comparison("/", 1, 0.6, 0.12, 40),
    comparison("/", 64, 0.8, 2, 40),
    comparison("/cpu?ms=1", 1, 0.9, 0.3, 60),
    comparison("/cpu?ms=1", 64, 0.95, 1, 50),
  ],
  slowClients: [slowClients("direct", 45.2), slowClients("nginx", 0.5)],
});

const byName = (checks: ReturnType<typeof nginxChecks>, ...parts: string[]) => {
  const found = checks.find((c) => parts.every((part) => c.name.includes(part)));
  assert.ok(found, `a check named with ${parts.join(", ")}`);
  return found;
};

describe("bench targets for nginx against the app directly", () => {
  it("holds each route's rps ratio at 64 connections and reports it at 1", () => {
    const checks = nginxChecks(good());
    const noop64 = byName(checks, "rps", "GET / (no-op)", "64 connections");
    assert.equal(noop64.target, ">= 0.8");
    assert.equal(noop64.met, true);
    assert.equal(noop64.value, "0.80 (800 / 1000 rps, p50 +2.00 ms)");
    const cpu64 = byName(checks, "rps", "GET /cpu?ms=1", "64 connections");
    assert.equal(cpu64.target, ">= 0.95");
    assert.equal(cpu64.met, true);
    for (const route of ["GET / (no-op)", "GET /cpu?ms=1"]) {
      const at1 = byName(checks, "rps", route, "1 connection");
      assert.equal(at1.target, "reported");
      assert.equal(at1.met, null);
    }
  });

  it("holds the p50 added at 1 connection to 0.3 ms on both routes", () => {
    const checks = nginxChecks(good());
    assert.equal(byName(checks, "p50 added", "no-op").met, true);
    assert.equal(byName(checks, "p50 added", "1 ms").met, true);
    const slower = good();
    slower.throughput[0] = comparison("/", 1, 0.6, 0.31, 40);
    assert.equal(byName(nginxChecks(slower), "p50 added", "no-op").met, false);
  });

  it("holds nginx's CPU per request to 60 µs where the issue measured it (no-op, 64) and reports the rest", () => {
    const costlyElsewhere = good();
    costlyElsewhere.throughput[2] = comparison("/cpu?ms=1", 1, 0.9, 0.3, 97);
    const check = byName(nginxChecks(costlyElsewhere), "nginx CPU per request");
    assert.match(check.name, /GET \/ \(no-op\), 64 connections/);
    assert.equal(check.met, true);
    assert.match(
      check.value,
      /^40 µs \(10 user: .*; 30 kernel: .*\); every route and connection count: 40 \(\/ at 1\), 40 \(\/ at 64\), 97 \(\/cpu\?ms=1 at 1\), 50 \(\/cpu\?ms=1 at 64\)$/,
    );
    const costly = good();
    costly.throughput[1] = comparison("/", 64, 0.8, 2, 61);
    const missed = byName(nginxChecks(costly), "nginx CPU per request");
    assert.equal(missed.met, false);
    assert.match(
      missed.value,
      /^61 µs \(15.25 user: .* 45.75 kernel: .*; CPU µs per request, direct: app 50/,
    );
  });

  it("says where the time goes when a ratio or the p50 target is missed", () => {
    const missing = good();
    missing.throughput[1] = comparison("/", 64, 0.5, 2, 40);
    const check = byName(nginxChecks(missing), "rps", "no-op", "64 connections");
    assert.equal(check.met, false);
    assert.match(
      check.value,
      /^0\.50 \(500 \/ 1000 rps, p50 \+2\.00 ms\); CPU µs per request, direct: app 50, load generator 40, dockerd 10, other 0; through nginx: nginx 40 \(10 user, 30 kernel\), app 50, load generator 40, dockerd 10, other 2$/,
    );
    assert.doesNotMatch(byName(nginxChecks(good()), "rps", "no-op", "64").value, /CPU µs/);
  });

  it("keeps the slow-client figure beside the targets, held to nothing", () => {
    const check = byName(nginxChecks(good()), "slow clients");
    assert.equal(check.met, null);
    assert.equal(check.value, "0.5 ms behind nginx, 45.2 ms direct");
  });

  it("reads a results file from before the second route as the no-op route", () => {
    const old = { throughput: [comparison(undefined, 64, 0.42, 4.93, 46)], slowClients: [] };
    const checks = nginxChecks(old);
    assert.equal(byName(checks, "rps", "no-op", "64").value.startsWith("0.42"), true);
    assert.equal(byName(checks, "rps", "1 ms", "64").value, "not measured");
    assert.equal(byName(checks, "rps", "1 ms", "64").met, null);
  });

  it("marks everything unmeasured without the nginx part, and checkTargets includes it", () => {
    const checks = nginxChecks(null);
    assert.ok(checks.every((c) => c.met === null && c.value === "not measured"));
    const all = checkTargets({
      rollout: null,
      rolloutTraffic: null,
      rollback: null,
      nginx: good(),
      image: null,
    });
    assert.equal(all.filter((c) => c.name.startsWith("nginx rps")).length, 4);
  });

  it("counts CPU per request from the cgroup, dockerd and the load generator", () => {
    assert.deepEqual(cpuPerRequestUs(comparison("/", 64, 0.5, 1, 40).nginx), {
      app: 50,
      nginx: 40,
      loadGenerator: 40,
      dockerd: 10,
      other: 2,
      machine: 142,
    });
  });
});

describe("bench markdown for nginx against the app directly", () => {
  const results = (nginx: BenchResults["nginx"]) =>
    ({
      ...REPORT_HEADER,
      rollout: null,
      rolloutTraffic: null,
      rollback: null,
      nginx,
      image: null,
      programEvaluation: null,
      targets: checkTargets({
        rollout: null,
        rolloutTraffic: null,
        rollback: null,
        nginx,
        image: null,
      }),
      notes: [],
    }) as unknown as BenchResults;

  it("has a row per route and connection count with nginx's CPU per request, and the targets", () => {
    const md = renderMarkdown(results(good()));
    assert.match(
      md,
      /\| GET \/cpu\?ms=1 \| 64 \| 1000 \| 950 \| 0\.95 \| 1\.00 \/ 2\.00 \| 2\.00 \/ 4\.00 \| 1\.00 \| 50 \(13 \+ 38\) \|/,
    );
    assert.match(md, /\| GET \/ \| 1 \| 1000 \| 600 \| 0\.60 \|/);
    assert.match(
      md,
      /- GET \/, 64 connection\(s\): direct: app 50, load generator 40, dockerd 10; through nginx: app 50, nginx 40/,
    );
    assert.match(md, /\| nginx rps \/ direct rps, GET \/ \(no-op\), 64 connections \| >= 0\.8 \|/);
    assert.match(md, /\| slow clients: app time per slow response \(p50\) \| reported \|/);
    assert.match(md, /\| target \| normal p50 \/ p99 ms \|/);
  });

  it("renders a results file from before the second route", () => {
    const md = renderMarkdown(
      results({ throughput: [comparison(undefined, 64, 0.42, 4.93, 46)], slowClients: [] }),
    );
    assert.match(md, /\| GET \/ \| 64 \| 1000 \| 420 \| 0\.42 \|/);
  });
});
