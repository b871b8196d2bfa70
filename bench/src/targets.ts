/**
 * The issue's targets, read against one run's figures. Benchmarks report: a missed target is a
 * finding for the closing note, never a failed command. Pure.
 */
import {
  NGINX_ROUTES,
  type BenchResults,
  type HostRolloutFigures,
  type NginxComparison,
  type TargetCheck,
  type ThroughputFigures,
} from "./results";

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
  Partial<Pick<BenchResults, "rolloutWithBake" | "rollbackOneAtATime" | "guard">>;

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
  return checks;
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

  const measured = (nginx?.throughput ?? []).filter((c) => c.nginxCpuUsPerRequest != null);
  const worst = measured.reduce<NginxComparison | null>(
    (w, c) =>
      !w || (c.nginxCpuUsPerRequest?.total ?? 0) > (w.nginxCpuUsPerRequest?.total ?? 0) ? c : w,
    null,
  );
  const worstUs = worst?.nginxCpuUsPerRequest?.total ?? null;
  const met = worstUs === null ? null : worstUs <= TARGETS.nginxCpuUsPerRequest;
  const split = worst?.nginxCpuUsPerRequest;
  checks.push({
    name: "nginx CPU per request (its cgroup), the most of any route and connection count",
    target: `<= ${TARGETS.nginxCpuUsPerRequest} µs`,
    value:
      worst === null || worstUs === null
        ? "not measured"
        : `${worstUs} µs (GET ${routeOf(worst)}, ${worst.connections} connection(s)); all: ` +
          measured
            .map((c) => `${c.nginxCpuUsPerRequest?.total} (${routeOf(c)} at ${c.connections})`)
            .join(", ") +
          (met || split?.user == null || split.system == null
            ? ""
            : `; of the most, ${split.user} µs user (nginx's HTTP work, the access log, $request_id) and ` +
              `${split.system} µs kernel (sockets, TCP on both connections, waking the worker)`),
    met,
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
