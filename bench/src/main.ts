/**
 * `npm run bench`: the numbers that say whether berth keeps its promises, from one run on this
 * machine. Writes bench/results/<timestamp>.json, .md and .png and prints the markdown table.
 * Benchmarks report: a missed target is a finding, not a failure. The command fails only when the
 * benchmark itself could not run.
 *
 *   node -r ts-node/register/transpile-only bench/src/main.ts [--hosts 3] [--rate 100] ...
 */
import { Command } from "commander";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RegistryLogin, type ReleaseSpec, stateDir } from "../../infra/src/agent/contract";
import { readAgentScript } from "../../infra/src/files";
import { planRollout } from "../../infra/src/rollout/plan";
import { localReleaseSpec, localTarget } from "../../cli/src/local";
import {
  ExecuteOptions,
  HostRun as DeployerRun,
  executePlan,
  rollbackHosts,
} from "../../cli/src/rollout";
import { capture } from "../../cli/src/run";
import { sshRunner, waitForSsh } from "../../cli/src/ssh";
import { Fleet, fleetDown, fleetUp, REGISTRY_USER } from "../../fleet/src/fleet";
import { buildProjectImages, pushImage } from "../../fleet/src/images";
import { fleetNames, fleetSettings, REPO_ROOT } from "../../fleet/src/settings";
import { buildRolloutChartOption, renderChart } from "./chart";
import { installSignalHandlers, onCleanup, runCleanups } from "./cleanup";
import { measureFloor } from "./floor";
import { docker } from "../../fleet/src/exec";
import { CpuShare, cpuShare, cpuSnapshot } from "./cpu";
import { buildReleases, pushReleases } from "./image";
import { LoadRun, startLoad } from "./load";
import { commitFacts, machineFacts } from "./machine";
import { renderMarkdown } from "./markdown";
import { benchNginxVsDirect } from "./nginx-vs-direct";
import { HostRun, hostFigures, phaseSpans, phasesOf, servingAfterMs } from "./phases";
import { measureProgramEvaluation } from "./program-eval";
import { progress, step, StepLog } from "./progress";
import {
  BenchResults,
  FloorFigures,
  LoadSettings,
  RESULTS_SCHEMA_VERSION,
  TrafficFigures,
} from "./results";
import { perSecond, ratio, summarizeTraffic } from "./stats";
import { chartSubtitle } from "./subtitle";
import { checkTargets } from "./targets";

interface Options {
  hosts: number;
  rate: number;
  connections: number;
  port: number;
  nginxSeconds: number;
  nginxRounds: number;
  slowClients: number;
  out: string;
  coldBuild: boolean;
  /** Parts left out of this run (nginx, program), for a quicker look at the others. */
  skip: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Runs one independent part of the benchmark; if it fails, the reason goes into the notes and the
 * other parts still run (their figures stay valid).
 */
async function attempt<T>(
  results: BenchResults,
  name: string,
  body: () => Promise<T>,
): Promise<T | null> {
  try {
    return await body();
  } catch (error) {
    const message = (error as Error).message.split("\n").slice(0, 3).join(" | ");
    progress(`${name} failed: ${message}`);
    results.notes.push(`${name} could not be measured: ${message}`);
    return null;
  }
}

/** The release command the rollout runs (as the fleet's own tests do): a no-op "migration". */
const RELEASE_COMMAND = ["node", "-e", "console.log('migrated')"];

function emptyResults(startedAt: Date): BenchResults {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    startedAt: startedAt.toISOString(),
    finishedAt: "",
    commit: { sha: null, dirty: null },
    machine: {
      cores: os.cpus().length,
      cpuModel: "",
      memoryBytes: os.totalmem(),
      loadAverage: { start: os.loadavg()[0] ?? 0, end: null },
      node: process.version,
      docker: null,
      kernel: "",
    },
    fleet: { hosts: 0, prefix: "" },
    rollout: null,
    rolloutTraffic: null,
    rollback: null,
    nginx: null,
    image: null,
    programEvaluation: null,
    targets: [],
    notes: [],
    stepsMs: {},
    loadAverages: {},
  };
}

/** Constant-rate load through the LB; every sample is kept for the per-second figures. */
function loadThroughLb(fleet: Fleet, options: Options): { run: LoadRun; settings: LoadSettings } {
  const settings: LoadSettings = {
    url: fleet.url,
    path: "/",
    ratePerSecond: options.rate,
    connections: options.connections,
    timeoutSeconds: 10,
  };
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(fleet.url))
    throw new Error(`load only targets 127.0.0.1 (got ${fleet.url})`);
  const run = startLoad({
    url: `${fleet.url}${settings.path}`,
    ratePerSecond: settings.ratePerSecond,
    connections: settings.connections,
    timeoutSeconds: settings.timeoutSeconds,
    maxSeconds: 600,
  });
  const stop = onCleanup("the load through the LB", () => run.stop());
  return {
    run: { ...run, stop: async () => (await stop(), run.stop()) },
    settings,
  };
}

/**
 * When each host's nginx last switched releases: the agent writes `<state>/current` right after
 * the reload (infra/host/berth-agent, switch_proxy), so its mtime is that moment. Read through the
 * host's engine, like the floor; null for a host where it cannot be read.
 */
async function switchMoments(
  prefix: string,
  hostCount: number,
  spec: ReleaseSpec,
): Promise<(number | null)[]> {
  const file = `${stateDir(spec.app, spec.stack)}/current`;
  return Promise.all(
    Array.from({ length: hostCount }, async (_, i) => {
      const r = await docker(["exec", fleetNames(prefix).host(i + 1), "stat", "-c", "%.3Y", file], {
        allowFail: true,
      });
      const seconds = Number(r.stdout.trim());
      return r.code === 0 && Number.isFinite(seconds) ? Math.round(seconds * 1000) : null;
    }),
  );
}

/** Turns the deployer's results into HostRuns, given when each host's command started. */
function hostRuns(
  results: DeployerRun[],
  startedAt: number[],
  switchedAt: (number | null)[] = [],
): HostRun[] {
  return results.map((r, i) => ({
    host: r.host,
    startedAtMs: startedAt[i] ?? NaN,
    switchedAtMs: switchedAt[i] ?? null,
    wallMs: r.ms,
    summary: r.summary as HostRun["summary"],
  }));
}

async function main(options: Options): Promise<number> {
  const startedAt = new Date();
  const results = emptyResults(startedAt);
  const log: StepLog = { stepsMs: results.stepsMs, loadAverages: results.loadAverages };
  const settings = fleetSettings({
    prefix: "berth-bench",
    hostCount: options.hosts,
    lbPort: options.port,
  });
  results.fleet = { hosts: settings.hostCount, prefix: settings.prefix };
  results.notes.push(
    `Machine: ${os.cpus().length} cores shared with other work; the load generator, the LB, every ` +
      "simulated host and its containers run on them, so figures are noisy: read them with the load averages in loadAverages.",
    "Constant-rate load is autocannon's overallRate: each connection sends its share of the second's requests at the " +
      "start of the second, so the load comes in small bursts; latency is per request, from sending to the full response.",
  );
  let exitCode = 0;
  installSignalHandlers();
  try {
    results.machine = await machineFacts();
    results.commit = await commitFacts();

    const releases = await step(log, "image: cold build and one-line rebuild", () =>
      buildReleases("berth-bench-app", startedAt.toISOString(), options.coldBuild),
    );
    if (!options.coldBuild) results.notes.push("The cold build was skipped (--no-cold-build).");
    results.image = {
      sizeBytes: releases.sizeBytes,
      compressedBytes: null,
      coldBuildMs: options.coldBuild ? releases.coldBuildMs : null,
      rebuildMs: releases.rebuildMs,
      rebuildPushedBytes: null,
      rebuildPushedLayers: null,
      pushMs: null,
    };
    const proxyLocal = await step(
      log,
      "nginx image",
      async () => (await buildProjectImages()).proxy,
    );

    const skipped = (part: string) => {
      if (!options.skip.includes(part)) return false;
      results.notes.push(`The ${part} part was skipped (--skip).`);
      return true;
    };
    results.nginx = skipped("nginx")
      ? null
      : await attempt(results, "nginx vs direct", () =>
          step(log, "nginx vs direct", () =>
            benchNginxVsDirect({
              appImage: releases.v1,
              proxyImage: proxyLocal,
              connections: [1, 64],
              seconds: options.nginxSeconds,
              rounds: options.nginxRounds,
              slowClients: options.slowClients,
              slowRequestsPerClient: 4,
              slowSeconds: 20,
              normalRate: 100,
            }),
          ),
        );

    results.programEvaluation = skipped("program")
      ? null
      : await attempt(results, "program evaluation", () =>
          step(log, "program evaluation (prod, mocks)", () => measureProgramEvaluation("prod")),
        );

    const fleet = await step(log, `fleet up (${settings.hostCount} hosts)`, async () => {
      await fleetDown(settings);
      onCleanup(`fleet ${settings.prefix}`, () => fleetDown(settings));
      return fleetUp(settings);
    });

    const pushed = await step(log, "push releases", () =>
      pushReleases(fleet, releases, "berth/app"),
    );
    Object.assign(results.image, {
      compressedBytes: pushed.compressedBytes,
      rebuildPushedBytes: pushed.rebuildPushedBytes,
      rebuildPushedLayers: pushed.rebuildPushedLayers,
      pushMs: pushed.pushMs,
    });
    const proxyRef = await pushImage(fleet, proxyLocal, "berth/nginx");
    const specFor = (image: string): ReleaseSpec =>
      localReleaseSpec({ app: image, proxy: proxyRef }, { releaseCommand: RELEASE_COMMAND });
    // The same deployer as `berth deploy -s local`: the rollout plan, run over SSH.
    const target = localTarget({ settings });
    const runOnHost = sshRunner(target.access, capture);
    await Promise.all(target.hosts.map((host) => waitForSsh(host, runOnHost)));
    const login: RegistryLogin = { server: fleet.registryServer, method: "helper" };
    const rollout = (spec: ReleaseSpec, options: ExecuteOptions = {}) =>
      executePlan(
        planRollout({
          hosts: target.hosts.map((h) => h.name),
          spec,
          registry: login,
          agent: readAgentScript(),
          batchSize: 1,
        }),
        target.hosts,
        runOnHost,
        options,
      );

    await step(log, "first deploy (v1)", async () => {
      const first = await rollout(specFor(pushed.v1));
      if (!first.ok) throw new Error(`the first deploy failed: ${first.error}`);
    });

    const floors = await step(
      log,
      "floor per host (pull changed layers + boot to healthy)",
      async () => {
        const { run } = loadThroughLb(fleet, options);
        const measured: FloorFigures[] = [];
        try {
          for (let i = 1; i <= settings.hostCount; i++) {
            const floor = await measureFloor(
              fleetNames(settings.prefix).host(i),
              specFor(pushed.v2),
              {
                server: fleet.registryServer,
                username: REGISTRY_USER,
                password: fleet.registryPassword,
              },
            );
            progress(
              `  host-${i}: pull ${floor.pullMs} ms + boot to healthy ${floor.bootToHealthyMs} ms`,
            );
            measured.push(floor);
          }
        } finally {
          const load = await run.stop();
          const t = summarizeTraffic(load.samples);
          results.notes.push(
            `The floor was measured under the same constant load as the rollout (${t.sent} requests, ` +
              `${t.failed} failed, ${t.non2xx} non-2xx, p50 ${t.latencyMs.p50} ms), one host after another; its image was removed again so the rollout pulls the same layers.`,
          );
        }
        return measured;
      },
    );

    await step(log, "rolling deploy of the code-only change under load", async () => {
      const { run, settings: loadSettings } = loadThroughLb(fleet, options);
      const cpuBefore = await cpuSnapshot({});
      await sleep(3000);
      const hostStarts = [Date.now()];
      const result = await rollout(specFor(pushed.v2), {
        afterBatch: async () => {
          hostStarts.push(Date.now());
        },
      });
      await sleep(3000);
      const load = await run.stop();
      const runs = hostRuns(
        result.results,
        hostStarts,
        await switchMoments(settings.prefix, settings.hostCount, specFor(pushed.v2)),
      );
      const hosts = runs.map((r, i) => hostFigures(r, floors[i] ?? null));
      const floorTotal = floors.reduce((s, f) => s + f.totalMs, 0);
      results.rollout = {
        from: pushed.v1,
        to: pushed.v2,
        hosts,
        totalMs: result.ms,
        floorTotalMs: floorTotal,
        ratioToFloor: ratio(result.ms, floorTotal),
        ok: result.ok,
        error: result.error,
      };
      const cpu = cpuShare(cpuBefore, await cpuSnapshot({}));
      results.rolloutTraffic = trafficFigures(load, loadSettings, runs, cpu);
    });

    await step(log, "rollback under load", async () => {
      const spec = specFor(pushed.v1);
      const { run, settings: loadSettings } = loadThroughLb(fleet, options);
      const cpuBefore = await cpuSnapshot({});
      await sleep(2000);
      const started = Date.now();
      const rollbackResults = (await rollbackHosts(target.hosts, spec.app, spec.stack, runOnHost))
        .results;
      const totalMs = Date.now() - started;
      await sleep(2000);
      const load = await run.stop();
      const starts = rollbackResults.reduce<number[]>(
        (acc, r, i) => [...acc, (acc[i] ?? started) + r.ms],
        [started],
      );
      const runs = hostRuns(
        rollbackResults,
        starts,
        await switchMoments(settings.prefix, settings.hostCount, spec),
      );
      results.rollback = {
        hosts: runs.map((r) => ({
          host: r.host,
          outcome: r.summary?.outcome ?? "no summary",
          pulled: r.summary?.pulled ?? null,
          servingAfterMs: servingAfterMs(r),
          wallMs: r.wallMs,
          phasesMs: phasesOf(r.summary?.durationsMs ?? {}),
        })),
        totalMs,
        traffic: trafficFigures(
          load,
          loadSettings,
          runs,
          cpuShare(cpuBefore, await cpuSnapshot({})),
        ),
      };
    });
  } catch (error) {
    exitCode = 1;
    const message = (error as Error).message;
    progress(`the benchmark stopped: ${message}`);
    results.notes.push(`The run stopped early: ${message}`);
  } finally {
    await runCleanups();
    results.machine.loadAverage.end = os.loadavg()[0] ?? null;
    results.finishedAt = new Date().toISOString();
    results.targets = checkTargets(results);
    await writeResults(results, options.out);
  }
  return exitCode;
}

function trafficFigures(
  load: { samples: import("./stats").Sample[]; startedAtMs: number; durationMs: number },
  settings: LoadSettings,
  runs: HostRun[],
  cpu: CpuShare | null,
): TrafficFigures {
  return {
    cpu,
    settings,
    durationMs: load.durationMs,
    summary: summarizeTraffic(load.samples),
    // The last second is cut short by the stop: leave it out of the per-second figures.
    perSecond: perSecond(load.samples).filter((b) => b.t < Math.floor(load.durationMs / 1000)),
    loadStartedAtMs: load.startedAtMs,
    phases: runs.flatMap((r) => phaseSpans(r, load.startedAtMs)),
    hostRuns: runs,
  };
}

async function writeResults(results: BenchResults, outDir: string): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:]/g, "-").replace(/\.\d+Z$/, "Z");
  const base = path.join(outDir, stamp);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results);
  fs.writeFileSync(`${base}.md`, markdown);
  const written = [`${base}.json`, `${base}.md`];
  if (results.rolloutTraffic) {
    const { png } = await renderChart(
      buildRolloutChartOption(results.rolloutTraffic, chartSubtitle(results)),
    );
    fs.writeFileSync(`${base}.png`, png);
    written.push(`${base}.png`);
  }
  process.stdout.write(`\n${markdown}\n`);
  progress(`wrote ${written.map((f) => path.relative(REPO_ROOT, f)).join(", ")}`);
}

const program = new Command("bench")
  .description(
    "berth's benchmark on the local fleet: rollout vs floor, traffic, nginx, image, rollback, program",
  )
  .option("--hosts <n>", "simulated hosts for the rollout", "3")
  .option("--rate <n>", "constant request rate through the LB during rollout and rollback", "100")
  .option("--connections <n>", "connections for the constant-rate load", "10")
  .option("--port <port>", "the bench fleet's LB port on 127.0.0.1", "8890")
  .option("--nginx-seconds <n>", "seconds per nginx-vs-direct run", "5")
  .option("--nginx-rounds <n>", "alternating rounds per target in nginx-vs-direct", "3")
  .option("--slow-clients <n>", "slow clients per target (0 skips the case)", "100")
  .option("--out <dir>", "where the results go", path.join(REPO_ROOT, "bench", "results"))
  .option("--no-cold-build", "skip the --no-cache build (uses the cache for v1)")
  .option("--skip <parts>", "comma-separated parts to leave out: nginx, program", "");

program.parse();
const raw = program.opts<Record<string, string | boolean>>();
const whole = (name: string, min: number, max: number) => {
  const value = Number(raw[name]);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(
      `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a whole number from ${min} to ${max} (got "${raw[name]}")`,
    );
  return value;
};
let options: Options;
try {
  options = {
    hosts: whole("hosts", 1, 9),
    rate: whole("rate", 1, 2000),
    connections: whole("connections", 1, 256),
    port: whole("port", 1024, 65535),
    nginxSeconds: whole("nginxSeconds", 1, 120),
    nginxRounds: whole("nginxRounds", 1, 10),
    slowClients: whole("slowClients", 0, 500),
    out: String(raw.out),
    coldBuild: raw.coldBuild !== false,
    skip: String(raw.skip).split(",").filter(Boolean),
  };
  const unknown = options.skip.filter((part) => !["nginx", "program"].includes(part));
  if (unknown.length)
    throw new Error(`--skip knows nginx and program (got "${unknown.join(",")}")`);
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(2);
}
main(options).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
