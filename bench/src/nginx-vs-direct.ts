/**
 * nginx's cost and benefit, on this machine's Docker engine: one app container and the project's
 * nginx in front of it on a private network. The same load goes to the app's address and to
 * nginx's, on each route (one where the app does next to nothing, one where it spends about 1 ms
 * of CPU); then slow clients go to each while normal clients keep a constant load.
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import { docker } from "../../fleet/src/exec";
import { onCleanup } from "./cleanup";
import {
  addShares,
  containerCpuSplitNs,
  containerIds,
  CpuShare,
  cpuShare,
  cpuSnapshot,
} from "./cpu";
import { closedLoop, startLoad } from "./load";
import { progress } from "./progress";
import {
  NGINX_ROUTES,
  type NginxComparison,
  type SlowClientFigures,
  type ThroughputFigures,
} from "./results";
import { startSlowClients } from "./slow-clients";
import { difference, ratio, Sample, summarizeLatency, summarizeTraffic, window } from "./stats";

export interface NginxBenchOptions {
  appImage: string;
  proxyImage: string;
  /** Routes to measure, each at every connection count; default: both NGINX_ROUTES. */
  paths?: string[];
  connections: number[];
  /** Seconds per measured run; each target runs `rounds` times, alternating with the other. */
  seconds: number;
  rounds: number;
  slowClients: number;
  slowRequestsPerClient: number;
  slowSeconds: number;
  normalRate: number;
}

interface Endpoint {
  target: "direct" | "nginx";
  host: string;
  port: number;
  container: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function get(host: string, port: number, path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, timeout: 3000 }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function waitHealthy(endpoint: Endpoint): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await get(endpoint.host, endpoint.port, "/healthz").then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) {
      const logs = await docker(["logs", "--tail", "20", endpoint.container], { allowFail: true });
      throw new Error(
        `${endpoint.container} did not answer /healthz within 30 s: ${logs.stdout}${logs.stderr}`,
      );
    }
    await sleep(200);
  }
}

async function ipOf(container: string, network: string): Promise<string> {
  const out = await docker([
    "inspect",
    "--format",
    `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`,
    container,
  ]);
  const ip = out.stdout.trim();
  if (!ip) throw new Error(`${container} has no address on ${network}`);
  return ip;
}

/** Starts the app and nginx; returns both endpoints and registers their removal. */
export async function startPair(appImage: string, proxyImage: string) {
  const id = randomBytes(3).toString("hex");
  const network = `berth-bench-nvd-${id}`;
  const app = `berth-bench-nvd-app-${id}`;
  const proxy = `berth-bench-nvd-nginx-${id}`;
  const remove = onCleanup(`nginx-vs-direct containers (${network})`, async () => {
    await docker(["rm", "--force", app, proxy], { allowFail: true });
    await docker(["network", "rm", network], { allowFail: true });
  });
  await docker(["network", "create", "--label", "berth.bench=1", network]);
  await docker([
    "run",
    "--detach",
    "--name",
    app,
    "--network",
    network,
    "--network-alias",
    "app",
    "--label",
    "berth.bench=1",
    "--env",
    "APP_RELEASE=bench",
    "--env",
    `APP_DIGEST=sha256:${"0".repeat(64)}`,
    "--env",
    "PORT=3000",
    appImage,
  ]);
  await docker([
    "run",
    "--detach",
    "--name",
    proxy,
    "--network",
    network,
    "--label",
    "berth.bench=1",
    proxyImage,
  ]);
  const direct: Endpoint = {
    target: "direct",
    host: await ipOf(app, network),
    port: 3000,
    container: app,
  };
  const nginx: Endpoint = {
    target: "nginx",
    host: await ipOf(proxy, network),
    port: 8080,
    container: proxy,
  };
  await waitHealthy(direct);
  await waitHealthy(nginx);
  return { direct, nginx, appContainer: app, remove };
}

/**
 * Closed-loop throughput of one target: `rounds` runs of `seconds`, each after a 1 s warm-up
 * (connections, JIT, nginx's upstream keep-alive). The caller alternates targets between rounds,
 * so that a burst of other work on this shared machine hits both, not one.
 */
async function throughputRound(
  endpoint: Endpoint,
  path: string,
  connections: number,
  seconds: number,
  containers: Record<string, string>,
) {
  const url = `http://${endpoint.host}:${endpoint.port}${path}`;
  await closedLoop(url, connections, 1);
  const before = await cpuSnapshot(containers);
  const splitBefore = containerCpuSplitNs(containers.nginx ?? "");
  const result = await closedLoop(url, connections, seconds);
  const cpu = cpuShare(before, await cpuSnapshot(containers));
  const splitAfter = containerCpuSplitNs(containers.nginx ?? "");
  const nginxSplitNs =
    splitBefore && splitAfter
      ? { user: splitAfter.user - splitBefore.user, system: splitAfter.system - splitBefore.system }
      : null;
  return { samples: window(result.samples, 0, seconds * 1000), cpu, nginxSplitNs };
}

function throughputFigures(
  target: Endpoint["target"],
  connections: number,
  seconds: number,
  samples: Sample[],
  cpu: CpuShare | null,
): ThroughputFigures {
  const traffic = summarizeTraffic(samples);
  return {
    cpu,
    target,
    connections,
    durationSeconds: seconds,
    requestsPerSecond: Math.round((traffic.ok / seconds) * 10) / 10,
    latencyMs: traffic.latencyMs,
    non2xx: traffic.non2xx,
    failed: traffic.failed,
  };
}

/** nginx's CPU per request, µs, from its cgroup's total and its user/system split. */
function nginxPerRequest(
  figures: ThroughputFigures,
  splitNs: { user: number; system: number } | null,
): NginxComparison["nginxCpuUsPerRequest"] {
  const requests = figures.requestsPerSecond * figures.durationSeconds;
  const totalMs = figures.cpu?.cpuMs.containers.nginx;
  if (totalMs == null || requests === 0) return null;
  const us = (ns: number) => Math.round((ns / 1000 / requests) * 10) / 10;
  return {
    total: us(totalMs * 1e6),
    user: splitNs ? us(splitNs.user) : null,
    system: splitNs ? us(splitNs.system) : null,
  };
}

async function compare(
  pair: { direct: Endpoint; nginx: Endpoint },
  path: string,
  connections: number,
  options: NginxBenchOptions,
): Promise<NginxComparison> {
  const samples: Record<Endpoint["target"], Sample[]> = { direct: [], nginx: [] };
  const cpu: Record<Endpoint["target"], CpuShare | null> = { direct: null, nginx: null };
  let nginxSplitNs: { user: number; system: number } | null = { user: 0, system: 0 };
  const ids = await containerIds([pair.direct.container, pair.nginx.container]);
  const containers = {
    app: ids[pair.direct.container] ?? "",
    nginx: ids[pair.nginx.container] ?? "",
  };
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? [pair.direct, pair.nginx] : [pair.nginx, pair.direct];
    for (const endpoint of order) {
      const measured = await throughputRound(
        endpoint,
        path,
        connections,
        options.seconds,
        containers,
      );
      samples[endpoint.target].push(...measured.samples);
      cpu[endpoint.target] = addShares(cpu[endpoint.target], measured.cpu);
      if (endpoint.target === "nginx")
        nginxSplitNs =
          nginxSplitNs && measured.nginxSplitNs
            ? {
                user: nginxSplitNs.user + measured.nginxSplitNs.user,
                system: nginxSplitNs.system + measured.nginxSplitNs.system,
              }
            : null;
    }
  }
  const total = options.seconds * options.rounds;
  const direct = throughputFigures("direct", connections, total, samples.direct, cpu.direct);
  const nginx = throughputFigures("nginx", connections, total, samples.nginx, cpu.nginx);
  return {
    path,
    connections,
    direct,
    nginx,
    rpsRatio: ratio(nginx.requestsPerSecond, direct.requestsPerSecond),
    p50AddedMs: difference(nginx.latencyMs.p50, direct.latencyMs.p50),
    p99AddedMs: difference(nginx.latencyMs.p99, direct.latencyMs.p99),
    nginxCpuUsPerRequest: nginxPerRequest(nginx, nginxSplitNs),
  };
}

/** Established connections to port 3000 inside the app container (its own /proc/net/tcp*). */
async function appConnections(appContainer: string): Promise<number> {
  // node reads them: the app image has no shell and no cat.
  const read = `for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) process.stdout.write(require("fs").readFileSync(f, "utf8"));`;
  const out = await docker(["exec", appContainer, "node", "-e", read], { allowFail: true });
  return out.stdout
    .split("\n")
    .filter((line) => / [0-9A-F]+:0BB8 [0-9A-F]+:[0-9A-F]+ 01 /.test(line)).length;
}

/** The app's own time per /items response (its JSON request log), since `sinceIso`. */
async function appResponseTimes(appContainer: string, sinceIso: string): Promise<number[]> {
  const out = await docker(["logs", "--since", sinceIso, appContainer], { allowFail: true });
  const times: number[] = [];
  for (const line of out.stdout.split("\n")) {
    if (!line.includes('"/items"')) continue;
    try {
      const entry = JSON.parse(line) as { path?: string; duration_ms?: number };
      if (entry.path === "/items" && typeof entry.duration_ms === "number")
        times.push(entry.duration_ms);
    } catch {
      // not a JSON line
    }
  }
  return times;
}

async function slowClientCase(
  endpoint: Endpoint,
  appContainer: string,
  options: NginxBenchOptions,
): Promise<SlowClientFigures> {
  const path = "/items?count=1000";
  const sinceIso = new Date().toISOString();
  const { bytes } = await get(endpoint.host, endpoint.port, path);
  const readBytesPerTick = 4096;
  const tickMs = 100;
  const normal = startLoad({
    url: `http://${endpoint.host}:${endpoint.port}/`,
    ratePerSecond: options.normalRate,
    connections: 10,
    maxSeconds: options.slowSeconds + 30,
  });
  await sleep(1000);
  const slow = startSlowClients({
    host: endpoint.host,
    port: endpoint.port,
    path,
    clients: options.slowClients,
    requestsPerClient: options.slowRequestsPerClient,
    readBytesPerTick,
    tickMs,
    maxMs: options.slowSeconds * 1000,
  });
  const connectionCounts: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      connectionCounts.push(await appConnections(appContainer));
      await sleep(500);
    }
  })();
  const slowStartedMs = Date.now() - normal.startedAtMs;
  const slowResult = await slow.finished;
  const slowEndedMs = Date.now() - normal.startedAtMs;
  sampling = false;
  await sampler;
  const load = await normal.stop();
  const during = window(load.samples, slowStartedMs, slowEndedMs);
  return {
    target: endpoint.target,
    slowClients: options.slowClients,
    readBytesPerTick,
    tickMs,
    responseBytes: bytes * options.slowRequestsPerClient,
    normalTraffic: summarizeTraffic(during),
    appConnectionsPeak: Math.max(0, ...connectionCounts),
    appConnectionsMean:
      Math.round(
        (connectionCounts.reduce((a, b) => a + b, 0) / Math.max(1, connectionCounts.length)) * 10,
      ) / 10,
    appResponseMs: summarizeLatency(await appResponseTimes(appContainer, sinceIso)),
    slowClientsCompleted: slowResult.completed,
  };
}

export async function benchNginxVsDirect(
  options: NginxBenchOptions,
): Promise<{ throughput: NginxComparison[]; slowClients: SlowClientFigures[] }> {
  const pair = await startPair(options.appImage, options.proxyImage);
  try {
    const comparisons: NginxComparison[] = [];
    for (const path of options.paths ?? Object.values(NGINX_ROUTES))
      for (const connections of options.connections) {
        progress(
          `nginx vs direct: GET ${path}, ${connections} connection(s), ${options.rounds} alternating rounds of ${options.seconds} s per target`,
        );
        const c = await compare(pair, path, connections, options);
        progress(
          `  direct ${c.direct.requestsPerSecond} rps p50 ${c.direct.latencyMs.p50} ms; nginx ${c.nginx.requestsPerSecond} rps p50 ${c.nginx.latencyMs.p50} ms, ` +
            `${c.nginxCpuUsPerRequest?.total ?? "–"} µs of nginx CPU per request`,
        );
        comparisons.push(c);
      }
    const slowClients: SlowClientFigures[] = [];
    if (options.slowClients > 0) {
      for (const endpoint of [pair.direct, pair.nginx]) {
        progress(
          `slow clients: ${options.slowClients} against ${endpoint.target}, up to ${options.slowSeconds} s`,
        );
        const figures = await slowClientCase(endpoint, pair.appContainer, options);
        progress(
          `  normal p50/p99 ${figures.normalTraffic.latencyMs.p50}/${figures.normalTraffic.latencyMs.p99} ms, ` +
            `app connections peak ${figures.appConnectionsPeak} mean ${figures.appConnectionsMean}, app time per slow response p50 ${figures.appResponseMs.p50} ms`,
        );
        slowClients.push(figures);
      }
    }
    return { throughput: comparisons, slowClients };
  } finally {
    await pair.remove();
  }
}
