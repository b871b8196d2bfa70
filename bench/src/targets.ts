/**
 * The issue's targets, read against one run's figures. Benchmarks report: a missed target is a
 * finding for the closing note, never a failed command. Pure.
 */
import {
  NGINX_ROUTES,
  type BenchResults,
  type ColdHostFigures,
  type HostRolloutFigures,
  type NginxComparison,
  type ScalingFigures,
  type TargetCheck,
  type ThroughputFigures,
} from "./results";
import type { LineFit } from "./scaling";

export const TARGETS = {
  rolloutFailedRequests: 0,
  rolloutToFloor: 1.5,
  /** From `berth rollback` to every host of the fleet serving the previous release. */
  rollbackFleetMs: 5000,
  rollbackFailedRequests: 0,
  /** nginx rps / direct rps at 64 connections on the no-op route (GET /). */
  nginxRpsRatioAt64: 0.8,
  /** The same on the route that spends about 1 ms of CPU per request (GET /cpu?ms=1). */
  nginxCpuRouteRpsRatioAt64: 0.95,
  /** nginx's p50 minus direct's at 1 connection, each route. */
  nginxP50AddedMsAt1: 0.3,
  /** nginx's own CPU per request (its cgroup), every route and connection count. */
  nginxCpuUsPerRequest: 60,
  rebuildMs: 10_000,
  imageBytes: 150 * 1000 * 1000,
} as const;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The time the hosts of a rollout spent baking, by their receipts. */
export function bakedMs(hosts: HostRolloutFigures[]): number {
  return hosts.reduce((sum, h) => sum + (h.phasesMs.bake ?? 0), 0);
}

type Figures = Pick<BenchResults, "rolloutTraffic" | "rollout" | "rollback" | "nginx" | "image"> &
  Partial<
    Pick<BenchResults, "rolloutWithBake" | "rollbackOneAtATime" | "guard" | "scaling" | "coldHost">
  >;

export function checkTargets(r: Figures): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const traffic = r.rolloutTraffic?.summary;
  checks.push({
    name: "failed requests during rollout",
    target: "0 failed, 0 non-2xx",
    value: traffic
      ? `${traffic.failed} failed, ${traffic.non2xx} non-2xx of ${traffic.sent}`
      : "not measured",
    met: traffic ? traffic.failed + traffic.non2xx <= TARGETS.rolloutFailedRequests : null,
  });

  const rolloutRatio = r.rollout?.ratioToFloor ?? null;
  checks.push({
    name: `rollout total / floor, bake ${r.rollout?.bakeSeconds ?? 0} s`,
    target: `<= ${TARGETS.rolloutToFloor}x`,
    value:
      rolloutRatio === null || !r.rollout
        ? "not measured"
        : `${rolloutRatio.toFixed(2)}x (${seconds(r.rollout.totalMs)} / ${seconds(r.rollout.floorTotalMs ?? 0)})`,
    met: rolloutRatio === null ? null : rolloutRatio <= TARGETS.rolloutToFloor,
  });

  // The bake is waiting on purpose: reported beside the floor, not held to the bake-0 target.
  const baked = r.rolloutWithBake ?? null;
  checks.push({
    name: `rollout total / floor, default bake${baked ? ` (${baked.bakeSeconds} s per host)` : ""}`,
    target: "reported",
    value:
      baked?.ratioToFloor == null
        ? "not measured"
        : `${baked.ratioToFloor.toFixed(2)}x (${seconds(baked.totalMs)} / ${seconds(baked.floorTotalMs ?? 0)}, ` +
          `of which baking ${seconds(bakedMs(baked.hosts))})`,
    met: null,
  });

  const rollback = r.rollback ?? null;
  const oneByOne = r.rollbackOneAtATime ?? null;
  checks.push({
    name: "rollback of the whole fleet (at once), to every host serving the previous release",
    target: `<= ${seconds(TARGETS.rollbackFleetMs)}`,
    value:
      rollback?.allServingAfterMs == null
        ? rollback
          ? `not every host served it (${rollback.error ?? "see the rollback table"})`
          : "not measured"
        : `${seconds(rollback.allServingAfterMs)}` +
          (oneByOne?.allServingAfterMs != null
            ? ` (one at a time: ${seconds(oneByOne.allServingAfterMs)})`
            : ""),
    met:
      rollback === null
        ? null
        : rollback.allServingAfterMs !== null &&
          rollback.allServingAfterMs <= TARGETS.rollbackFleetMs,
  });
  const rollbackTraffic = rollback?.traffic?.summary;
  checks.push({
    name: "failed requests during the rollback (at once)",
    target: "0 failed, 0 non-2xx",
    value: rollbackTraffic
      ? `${rollbackTraffic.failed} failed, ${rollbackTraffic.non2xx} non-2xx of ${rollbackTraffic.sent}`
      : "not measured",
    met: rollbackTraffic
      ? rollbackTraffic.failed + rollbackTraffic.non2xx <= TARGETS.rollbackFailedRequests
      : null,
  });

  const guard = r.guard ?? null;
  const switchedBack = guard?.bake?.verdict === "switched-back";
  checks.push({
    name: "guard: a release failing real traffic is switched back by the bake",
    target: "switched back, fleet on the previous release",
    value: !guard
      ? "not measured"
      : switchedBack
        ? `after ${seconds(guard.switchBackAfterMs ?? 0)} (bake ${guard.bakeSeconds} s); ` +
          `${guard.firstHostAnswers?.errors ?? "–"} 5xx answered by the bad release, ` +
          `${guard.failedBeforeSwitchBack} failed through the LB before, ${guard.failedAfterSwitchBack} after; ` +
          `fleet on the previous release: ${guard.fleetOnPrevious ? "yes" : "no"}`
        : `not switched back (${guard.exitName ?? "no host ran"}): ${guard.error ?? "the release stayed"}`,
    met: guard ? switchedBack && guard.fleetOnPrevious : null,
  });

  checks.push(...nginxChecks(r.nginx));

  const rebuild = r.image?.rebuildMs ?? null;
  checks.push({
    name: "code-only rebuild",
    target: `<= ${seconds(TARGETS.rebuildMs)}`,
    value: rebuild === null ? "not measured" : seconds(rebuild),
    met: rebuild === null ? null : rebuild <= TARGETS.rebuildMs,
  });

  const size = r.image?.sizeBytes ?? null;
  checks.push({
    name: "runtime image size (uncompressed)",
    target: `<= ${megabytes(TARGETS.imageBytes)}`,
    value: size === null ? "not measured" : megabytes(size),
    met: size === null ? null : size <= TARGETS.imageBytes,
  });
  checks.push(...scalingChecks(r.scaling ?? null), ...coldHostChecks(r.coldHost ?? null));
  return checks;
}

/** "a + b × batches" in seconds, with r² and the number of points. */
export function lineText(fit: LineFit | null): string {
  if (!fit) return "no line (fewer than two batch counts)";
  const r2 = fit.r2 === null ? "" : `, r² ${fit.r2.toFixed(2)}`;
  const sign = fit.intercept < 0 ? "-" : "+";
  return `${seconds(fit.slope)} per batch ${sign} ${seconds(Math.abs(fit.intercept))} (${fit.points} points${r2})`;
}

/** How a rollout grows (issue 16 item 4): reported figures, no target. */
export function scalingChecks(scaling: ScalingFigures | null): TargetCheck[] {
  const reported = (name: string, value: string): TargetCheck => ({
    name,
    target: "reported",
    value,
    met: null,
  });
  const bake = scaling ? `, bake ${scaling.bakeSeconds} s` : "";
  const sizes = scaling ? [...new Set(scaling.points.map((p) => p.hosts))] : [];
  return [
    reported(
      `rollout time by fleet size and batch size (code-only change${bake}, no load)`,
      !scaling?.points.length
        ? "not measured"
        : sizes
            .map(
              (hosts) =>
                `${hosts} hosts: ` +
                scaling.points
                  .filter((p) => p.hosts === hosts)
                  .map(
                    (p) =>
                      `${p.ok ? seconds(p.totalMs) : "FAILED"} at batch size ${p.batchSize} (${p.batches} batches)`,
                  )
                  .join(", "),
            )
            .join("; "),
    ),
    reported(
      "per-batch cost: least-squares line, rollout total = a + b × batches",
      !scaling
        ? "not measured"
        : [
            `all points: ${lineText(scaling.fit)}`,
            ...scaling.fitByBatchSize.map((f) => `batch size ${f.batchSize}: ${lineText(f.fit)}`),
          ].join("; "),
    ),
    reported(
      "rollout projected to 100 hosts by those lines (local per-batch cost)",
      !scaling?.projection.length
        ? "not measured"
        : scaling.projection
            .map(
              (p) =>
                `batch size ${p.batchSize}: ${p.batches} batches, ` +
                (p.totalMs === null ? "no line" : seconds(p.totalMs)),
            )
            .join("; "),
    ),
  ];
}

const range = (values: (number | null)[], format: (v: number) => string): string => {
  const known = values.filter((v): v is number => v !== null);
  if (!known.length) return "–";
  const [min, max] = [format(Math.min(...known)), format(Math.max(...known))];
  return min === max ? min : `${min} to ${max}`;
};

/** What a brand-new host pulls before it serves (issue 16 item 5): reported figures, no target. */
export function coldHostChecks(cold: ColdHostFigures | null): TargetCheck[] {
  const image = (name: string, i: ColdHostFigures["app"]) =>
    `${name} ${i.compressedBytes === null ? "–" : megabytes(i.compressedBytes)} compressed` +
    `${i.layers === null ? "" : ` in ${i.layers} layers`} (${i.sizeBytes === null ? "–" : megabytes(i.sizeBytes)} unpacked)`;
  const hosts = cold?.hosts ?? [];
  const s = (ms: number) => seconds(ms);
  return [
    {
      name: "cold host: bytes pulled before it serves (registry manifests; the host's network counter)",
      target: "reported",
      value: !cold
        ? "not measured"
        : `${image("app", cold.app)}, ${image("nginx", cold.proxy)}; ` +
          `each host received ${range(
            hosts.map((h) => h.receivedBytes),
            megabytes,
          )} during the first deploy`,
      met: null,
    },
    {
      name: "cold host: seconds to pull both images, and to serving",
      target: "reported",
      value: !cold
        ? "not measured"
        : `pull ${range(
            hosts.map((h) => h.pullMs),
            s,
          )} (app ${range(
            hosts.map((h) => h.appPullMs),
            s,
          )}, nginx ${range(
            hosts.map((h) => h.proxyPullMs),
            s,
          )}); serving ${range(
            hosts.map((h) => h.servingAfterMs),
            s,
          )} after its deploy started, over ${hosts.length} brand-new host(s)` +
          (hosts.some((h) => h.releaseCommand)
            ? ` (${hosts
                .filter((h) => h.releaseCommand)
                .map((h) => h.host)
                .join(", ")} also ran the release command)`
            : ""),
      met: null,
    },
  ];
}

/** The route a comparison measured: "/" in results written before there were two. */
export const routeOf = (c: NginxComparison) => c.path ?? NGINX_ROUTES.noop;

/** CPU per request (µs) of each consumer during one side's runs; null where unreadable. */
export function cpuPerRequestUs(t: ThroughputFigures) {
  const requests = t.requestsPerSecond * t.durationSeconds;
  const per = (cpuMs: number | null | undefined) =>
    cpuMs == null || requests === 0 ? null : Math.round((cpuMs * 1000) / requests);
  const cpu = t.cpu?.cpuMs;
  return {
    app: per(cpu?.containers.app),
    nginx: per(cpu?.containers.nginx),
    loadGenerator: per(cpu?.loadGenerator),
    dockerd: per(cpu?.dockerd),
    other: per(cpu?.other),
    /** The whole machine's busy CPU per request: everything above and any other work. */
    machine: per(cpu?.machineBusy),
  };
}

/**
 * Where a request's CPU went on each side, for a missed nginx target: the machine's cores are
 * shared by the load generator, nginx, the app, dockerd (which writes every log line) and other work.
 */
export function whereTheTimeGoes(c: NginxComparison): string {
  const d = cpuPerRequestUs(c.direct);
  const n = cpuPerRequestUs(c.nginx);
  if (d.machine === null || n.machine === null) return "CPU per request not measured";
  const fmt = (v: number | null) => (v === null ? "–" : String(v));
  const split = c.nginxCpuUsPerRequest;
  const nginx =
    split?.user != null && split.system != null
      ? `nginx ${fmt(n.nginx)} (${split.user} user, ${split.system} kernel)`
      : `nginx ${fmt(n.nginx)}`;
  return (
    `CPU µs per request, direct: app ${fmt(d.app)}, load generator ${fmt(d.loadGenerator)}, dockerd ${fmt(d.dockerd)}, ` +
    `other ${fmt(d.other)}; through nginx: ${nginx}, app ${fmt(n.app)}, load generator ${fmt(n.loadGenerator)}, ` +
    `dockerd ${fmt(n.dockerd)}, other ${fmt(n.other)}`
  );
}

const routeName = (path: string) =>
  path === NGINX_ROUTES.noop ? `GET ${path} (no-op)` : `GET ${path} (about 1 ms of CPU)`;

/** nginx against the app directly: rps ratio, p50 added and nginx's CPU per request, per route. */
export function nginxChecks(nginx: BenchResults["nginx"]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (path: string, connections: number) =>
    nginx?.throughput.find((c) => routeOf(c) === path && c.connections === connections);
  const missed = (c: NginxComparison, met: boolean) => (met ? "" : `; ${whereTheTimeGoes(c)}`);

  for (const [path, limit] of [
    [NGINX_ROUTES.noop, TARGETS.nginxRpsRatioAt64],
    [NGINX_ROUTES.cpu, TARGETS.nginxCpuRouteRpsRatioAt64],
  ] as const) {
    for (const connections of [64, 1]) {
      const c = find(path, connections);
      const held = connections === 64;
      const met = c?.rpsRatio == null || !held ? null : c.rpsRatio >= limit;
      checks.push({
        name: `nginx rps / direct rps, ${routeName(path)}, ${connections} connection${connections === 1 ? "" : "s"}`,
        target: held ? `>= ${limit}` : "reported",
        value:
          c?.rpsRatio == null
            ? "not measured"
            : `${c.rpsRatio.toFixed(2)} (${c.nginx.requestsPerSecond.toFixed(0)} / ${c.direct.requestsPerSecond.toFixed(0)} rps, ` +
              `p50 ${c.p50AddedMs === null ? "–" : `${c.p50AddedMs >= 0 ? "+" : ""}${c.p50AddedMs.toFixed(2)}`} ms)` +
              missed(c, met !== false),
        met,
      });
    }
  }

  for (const path of [NGINX_ROUTES.noop, NGINX_ROUTES.cpu]) {
    const c = find(path, 1);
    const met = c?.p50AddedMs == null ? null : c.p50AddedMs <= TARGETS.nginxP50AddedMsAt1;
    checks.push({
      name: `p50 added by nginx, ${routeName(path)}, 1 connection`,
      target: `<= ${TARGETS.nginxP50AddedMsAt1} ms`,
      value:
        c?.p50AddedMs == null
          ? "not measured"
          : `${c.p50AddedMs.toFixed(2)} ms (${c.direct.latencyMs.p50} -> ${c.nginx.latencyMs.p50} ms)` +
            missed(c, met !== false),
      met,
    });
  }

  // Held where the issue measured its 123 µs baseline: the no-op route at 64 connections. The
  // others are reported beside it: at 1 connection, or at the 1 ms route's few hundred requests a
  // second, nothing is batched and every request wakes an idle worker twice.
  const measured = (nginx?.throughput ?? []).filter((c) => c.nginxCpuUsPerRequest != null);
  const held = find(NGINX_ROUTES.noop, 64);
  const heldUs = held?.nginxCpuUsPerRequest?.total ?? null;
  const cpuMet = heldUs === null ? null : heldUs <= TARGETS.nginxCpuUsPerRequest;
  const split = held?.nginxCpuUsPerRequest;
  checks.push({
    name: `nginx CPU per request (its cgroup), ${routeName(NGINX_ROUTES.noop)}, 64 connections`,
    target: `<= ${TARGETS.nginxCpuUsPerRequest} µs`,
    value:
      heldUs === null
        ? "not measured"
        : `${heldUs} µs` +
          (split?.user == null || split.system == null
            ? ""
            : ` (${split.user} user: nginx's HTTP work, the access log, $request_id; ${split.system} kernel: ` +
              `sockets, TCP on both connections, waking the worker)`) +
          `; every route and connection count: ` +
          measured
            .map((c) => `${c.nginxCpuUsPerRequest?.total} (${routeOf(c)} at ${c.connections})`)
            .join(", ") +
          (cpuMet === false && held ? `; ${whereTheTimeGoes(held)}` : ""),
    met: cpuMet,
  });

  // What nginx is there for: a slow client holds nginx, not the app (proxy_buffering).
  const slow = (target: "direct" | "nginx") =>
    nginx?.slowClients.find((c) => c.target === target)?.appResponseMs.p50 ?? null;
  const slowNginx = slow("nginx");
  const slowDirect = slow("direct");
  checks.push({
    name: "slow clients: app time per slow response (p50)",
    target: "reported",
    value:
      slowNginx === null || slowDirect === null
        ? "not measured"
        : `${slowNginx.toFixed(1)} ms behind nginx, ${slowDirect.toFixed(1)} ms direct`,
    met: null,
  });
  return checks;
}
