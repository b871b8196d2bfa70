/**
 * `npm run bench`: the numbers that say whether berth keeps its promises, from one run on this
 * machine. Writes bench/results/<timestamp>.json, .md and .png and prints the markdown table.
 * Benchmarks report: a missed target is a finding, not a failure. The command fails only when the
 * benchmark itself could not run.
 *
 *   node -r ts-node/register/transpile-only bench/src/main.ts [--hosts 3] [--rate 100] ...
 *
 * Fleet size and batch size:
 *   --hosts N         the bench fleet's host count (1 to 10, default 3): every part but the
 *                     scaling section runs on it, as before.
 *   --batch-size B    narrows the scaling section to one point: N hosts rolled in batches of B
 *                     (1 to 10). Without it, the section measures fleets of 3, 6 and 10 hosts at
 *                     batch sizes 1 and 3, growing the bench fleet from size to size.
 *   So `npm run bench -- --hosts 6 --batch-size 3` runs everything on 6 hosts and measures one
 *   scaling point, 6 hosts in batches of 3.
 *   --prefix NAME     the fleet's name prefix and the local image tags' (default berth-bench): two
 *                     benches on one machine need two prefixes (and two --port values).
 *   --skip scale,coldhost  leaves out the scaling section / the cold-host figures.
 */
import { Command } from "commander";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RELEASE_GUARD_DEFAULTS } from "../../infra/src/agent/specSchema";
import { fleetDown, fleetUp } from "../../fleet/src/fleet";
import { buildProjectImages, pushImage } from "../../fleet/src/images";
import { fleetSettings, REPO_ROOT } from "../../fleet/src/settings";
import { connectBench } from "./bench-fleet";
import { wholeNumberFlag } from "./flags";
import { coldHostBefore, coldHostFigures } from "./coldhost";
import { buildRolloutChartOption, renderChart } from "./chart";
import { installSignalHandlers, onCleanup, runCleanups } from "./cleanup";
import { measureGuard } from "./guard";
import { buildReleases, pushReleases } from "./image";
import { commitFacts, machineFacts } from "./machine";
import { renderMarkdown } from "./markdown";
import { benchNginxVsDirect } from "./nginx-vs-direct";
import { measureProgramEvaluation } from "./program-eval";
import { progress, step, StepLog } from "./progress";
import { BenchResults, RESULTS_SCHEMA_VERSION } from "./results";
import { measureRollback } from "./rollback";
import { measureFloors, measureRollout } from "./rollout";
import { measureScaling } from "./scale";
import { ScalePoint, scaleFlags } from "./scaling";
import { hostUrls } from "./serving";
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
  /** The second rollout's guard.bakeSeconds (the first one bakes 0 s). */
  bakeSeconds: number;
  /** The guard scenario's bake: long, so that the switch-back is seen to come early. */
  guardBakeSeconds: number;
  /** Parts left out of this run, for a quicker look at the others. */
  skip: string[];
  /** The scaling section's rollouts: the default grid, or the one --hosts/--batch-size point. */
  scalePoints: ScalePoint[];
  /** The fleet's prefix and the local images' tag prefix. */
  prefix: string;
}

/** What --skip can leave out. */
const SKIPPABLE = ["nginx", "program", "baked", "rollback", "guard", "scale", "coldhost"];

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
    rolloutWithBake: null,
    rolloutWithBakeTraffic: null,
    rollback: null,
    rollbackOneAtATime: null,
    guard: null,
    nginx: null,
    image: null,
    programEvaluation: null,
    scaling: null,
    coldHost: null,
    targets: [],
    notes: [],
    stepsMs: {},
    loadAverages: {},
  };
}

async function main(options: Options): Promise<number> {
  const startedAt = new Date();
  const results = emptyResults(startedAt);
  const log: StepLog = { stepsMs: results.stepsMs, loadAverages: results.loadAverages };
  const settings = fleetSettings({
    prefix: options.prefix,
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
      buildReleases(`${options.prefix}-app`, startedAt.toISOString(), options.coldBuild),
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
    // The same deployer as `berth deploy -s local` and `berth rollback`: the plan, over SSH.
    const bench = await connectBench(fleet, proxyRef);
    const load = { rate: options.rate, connections: options.connections };
    const baked = (image: string, bakeSeconds: number) => {
      const spec = bench.specFor(image);
      return { ...spec, guard: { ...spec.guard, bakeSeconds } };
    };

    // The first deploy lands on brand-new hosts (empty image stores): the cold-host figures.
    const cold = skipped("coldhost") ? null : await coldHostBefore(bench);
    const batchStarts = [Date.now()];
    const first = await step(log, "first deploy (v1)", async () => {
      const result = await bench.rollout(bench.specFor(pushed.v1), {
        afterBatch: async () => {
          batchStarts.push(Date.now());
        },
      });
      if (!result.ok) throw new Error(`the first deploy failed: ${result.error}`);
      return result;
    });
    if (cold)
      results.coldHost = await attempt(results, "cold host", () =>
        coldHostFigures(bench, bench.specFor(pushed.v1), first, batchStarts, cold),
      );
    const hostUrlList = await hostUrls(settings.prefix, settings.hostCount);

    // Two rollouts of the same kind of change, each against its own floor: bake 0, then the
    // default bake. The fleet then runs `current`, and `previous` is what a rollback returns to.
    let current = pushed.v1;
    let previous = pushed.v1;
    const rolloutWith = async (image: string, bakeSeconds: number) => {
      const spec = baked(image, bakeSeconds);
      const { floors, note } = await step(
        log,
        `floor per host for ${image.slice(-8)} (pull changed layers + boot to healthy)`,
        () => measureFloors(bench, spec, load),
      );
      results.notes.push(note);
      const measured = await step(
        log,
        `rolling deploy of a code-only change under load, bake ${bakeSeconds} s`,
        () => measureRollout(bench, current, spec, floors, load),
      );
      if (measured.figures.ok) [previous, current] = [current, image];
      return measured;
    };
    const bake0 = await rolloutWith(pushed.v2, 0);
    results.rollout = bake0.figures;
    results.rolloutTraffic = bake0.traffic;
    if (!skipped("baked")) {
      const withBake = await attempt(results, "rollout with the default bake", () =>
        rolloutWith(pushed.v3, options.bakeSeconds),
      );
      results.rolloutWithBake = withBake?.figures ?? null;
      results.rolloutWithBakeTraffic = withBake?.traffic ?? null;
    }

    if (!skipped("rollback")) {
      for (const oneAtATime of [false, true]) {
        const figures = await attempt(
          results,
          `rollback (${oneAtATime ? "one at a time" : "parallel"})`,
          () =>
            step(
              log,
              `rollback under load, ${oneAtATime ? "one host at a time" : "every host at once"}`,
              () =>
                measureRollback(
                  bench,
                  bench.specFor(previous),
                  previous,
                  hostUrlList,
                  oneAtATime,
                  load,
                ),
            ),
        );
        if (oneAtATime) results.rollbackOneAtATime = figures;
        else results.rollback = figures;
        if (figures?.ok) [previous, current] = [current, previous];
      }
    }

    if (!skipped("guard"))
      results.guard = await attempt(results, "guard scenario", () =>
        step(
          log,
          `guard: a release that fails real traffic, bake ${options.guardBakeSeconds} s`,
          () =>
            measureGuard(
              bench,
              bench.specFor(current),
              hostUrlList,
              options.guardBakeSeconds,
              load,
            ),
        ),
      );

    if (!skipped("scale"))
      results.scaling = await attempt(results, "scaling", () =>
        measureScaling({
          log,
          settings,
          points: options.scalePoints,
          proxyImage: proxyRef,
          baseImage: releases.v1,
          tagPrefix: `${options.prefix}-app`,
          current,
        }),
      );
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
    "berth's benchmark on the local fleet: rollout vs floor (bake 0 and default), traffic, rollback (at once, one at a time), the guard's switch-back, nginx, image, program, a cold host's pulls, how a rollout grows",
  )
  .option("--hosts <n>", "simulated hosts of the bench fleet (1 to 10)", "3")
  .option(
    "--batch-size <n>",
    "measure one scaling point, --hosts hosts in batches of this size (default: 3, 6, 10 hosts at 1 and 3)",
  )
  .option(
    "--prefix <name>",
    "the bench fleet's name prefix (and its local image tags')",
    "berth-bench",
  )
  .option("--rate <n>", "constant request rate through the LB during rollout and rollback", "100")
  .option("--connections <n>", "connections for the constant-rate load", "10")
  .option("--port <port>", "the bench fleet's LB port on 127.0.0.1", "8890")
  .option("--nginx-seconds <n>", "seconds per nginx-vs-direct run", "5")
  .option("--nginx-rounds <n>", "alternating rounds per target in nginx-vs-direct", "3")
  .option("--slow-clients <n>", "slow clients per target (0 skips the case)", "100")
  .option("--out <dir>", "where the results go", path.join(REPO_ROOT, "bench", "results"))
  .option("--no-cold-build", "skip the --no-cache build (uses the cache for v1)")
  .option(
    "--bake-seconds <n>",
    "bake of the second rollout (the first bakes 0 s); default: the stacks' default",
    String(RELEASE_GUARD_DEFAULTS.bakeSeconds),
  )
  .option("--guard-bake-seconds <n>", "bake of the guard scenario's bad release", "10")
  .option("--skip <parts>", `comma-separated parts to leave out: ${SKIPPABLE.join(", ")}`, "");

program.parse();
const raw = program.opts<Record<string, string | boolean>>();
const whole = (name: string, min: number, max: number) =>
  wholeNumberFlag(
    `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    String(raw[name]),
    min,
    max,
  );
let options: Options;
try {
  const scale = scaleFlags(String(raw.hosts), raw.batchSize as string | undefined);
  options = {
    hosts: scale.hosts,
    rate: whole("rate", 1, 2000),
    connections: whole("connections", 1, 256),
    port: whole("port", 1024, 65535),
    nginxSeconds: whole("nginxSeconds", 1, 120),
    nginxRounds: whole("nginxRounds", 1, 10),
    slowClients: whole("slowClients", 0, 500),
    out: String(raw.out),
    coldBuild: raw.coldBuild !== false,
    bakeSeconds: whole("bakeSeconds", 0, 600),
    guardBakeSeconds: whole("guardBakeSeconds", 1, 600),
    skip: String(raw.skip).split(",").filter(Boolean),
    scalePoints: scale.points,
    prefix: (() => {
      try {
        return fleetSettings({ prefix: String(raw.prefix) }).prefix;
      } catch (error) {
        throw new Error(`--prefix: ${(error as Error).message}`, { cause: error });
      }
    })(),
  };
  const unknown = options.skip.filter((part) => !SKIPPABLE.includes(part));
  if (unknown.length)
    throw new Error(`--skip knows ${SKIPPABLE.join(", ")} (got "${unknown.join(",")}")`);
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
