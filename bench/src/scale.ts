/**
 * How a rollout grows (issue 16 item 4): rollouts of a code-only change, bake 0, no load, on the
 * bench's fleet grown (or shrunk) to each size in turn, at each batch size, through the same plan
 * and executor as every other rollout of the bench. Fleet by fleet: `fleet up` with the new host
 * count (new hosts are brand-new; hosts beyond it are removed), every host brought to the fleet's
 * release, then one rollout per batch size, each of a release no host has yet (one small layer
 * on top of the bench's v1, as a code change adds one), with the hosts' background work settled
 * between rollouts so that no lock waits for it.
 */
import * as os from "node:os";
import { deriveImage, pushImage } from "../../fleet/src/images";
import { docker } from "../../fleet/src/exec";
import { fleetUp } from "../../fleet/src/fleet";
import { FleetSettings, fleetSettings } from "../../fleet/src/settings";
import { BenchFleet, connectBench, settleBackground } from "./bench-fleet";
import { onCleanup } from "./cleanup";
import { progress, step, StepLog } from "./progress";
import type { ScalePointFigures, ScalingFigures } from "./results";
import { ScalePoint, batchDurations, projectRollouts, scalingFit } from "./scaling";

export interface ScalingInput {
  log: StepLog;
  /** The bench fleet's settings: the fleet is grown under the same prefix, LB port and state. */
  settings: FleetSettings;
  points: ScalePoint[];
  /** The proxy image by digest, as the bench's other rollouts use it. */
  proxyImage: string;
  /** A local app image to put each point's one-layer change on (the bench's v1). */
  baseImage: string;
  /** The local tag prefix for those changes (the bench's app repository name). */
  tagPrefix: string;
  /** The release the fleet runs now, by digest: new hosts get it before the size is measured. */
  current: string;
}

/** A release no host has: one small layer on top of `base`, pushed; its reference by digest. */
async function freshRelease(bench: BenchFleet, input: ScalingInput, name: string) {
  const tag = `${input.tagPrefix}:${name}`;
  await deriveImage(input.baseImage, tag, `${name}-${Date.now()}`, [
    `RUN ["node", "-e", "require('fs').writeFileSync('/tmp/berth-variant', process.env.BERTH_VARIANT)"]`,
  ]);
  return pushImage(bench.fleet, tag, "berth/app");
}

export async function measureScaling(input: ScalingInput): Promise<ScalingFigures> {
  const { log } = input;
  const tags: string[] = [];
  onCleanup(`the scaling section's images (${input.tagPrefix}:scale-*)`, () =>
    tags.length
      ? docker(["image", "rm", "--force", ...tags], { allowFail: true })
      : Promise.resolve(),
  );
  const bakeSeconds = 0;
  const points: ScalePointFigures[] = [];
  let current = input.current;
  const sizes = [...new Set(input.points.map((p) => p.hosts))];
  for (const hosts of sizes) {
    const settings = fleetSettings({ ...input.settings, hostCount: hosts });
    const bench = await step(log, `scale: fleet of ${hosts} hosts`, async () => {
      const fleet = await fleetUp(settings);
      const connected = await connectBench(fleet, input.proxyImage);
      const level = connected.specFor(current);
      const leveled = await connected.rollout(
        { ...level, guard: { ...level.guard, bakeSeconds } },
        { progress: (line) => progress(`  ${line}`) },
        3,
      );
      if (!leveled.ok)
        throw new Error(`bringing every host to the fleet's release failed: ${leveled.error}`);
      await settleBackground(connected, level);
      return connected;
    });
    for (const { batchSize } of input.points.filter((p) => p.hosts === hosts)) {
      const name = `scale-${hosts}-${batchSize}`;
      tags.push(`${input.tagPrefix}:${name}`);
      const image = await freshRelease(bench, input, name);
      const base = bench.specFor(image);
      const spec = { ...base, guard: { ...base.guard, bakeSeconds } };
      const batchHosts: number[] = [];
      const loadAverage = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
      const result = await step(
        log,
        `scale: rollout on ${hosts} hosts, batch size ${batchSize}, bake ${bakeSeconds} s`,
        () =>
          bench.rollout(
            spec,
            {
              progress: (line) => {
                const batch = /^batch \d+\/\d+: (.*)$/.exec(line);
                if (batch?.[1]) batchHosts.push(batch[1].split(", ").length);
                progress(`  ${line}`);
              },
            },
            batchSize,
          ),
      );
      const batches = batchHosts.length;
      points.push({
        hosts,
        batchSize,
        batches,
        batchHosts,
        image,
        totalMs: result.ms,
        perBatchMs: batches ? Math.round(result.ms / batches) : result.ms,
        batchMs: batchDurations(
          result.results.map((r) => r.ms),
          batchHosts,
        ),
        hostWallMs: result.results.map((r) => r.ms),
        loadAverage,
        ok: result.ok,
        error: result.error,
      });
      progress(
        `  ${hosts} hosts, batch size ${batchSize}: ${batches} batches in ${(result.ms / 1000).toFixed(2)} s` +
          (result.ok ? "" : ` (FAILED: ${result.error})`),
      );
      if (result.ok) current = image;
      await settleBackground(bench, spec);
    }
  }
  const fit = scalingFit(points);
  return {
    bakeSeconds,
    points,
    fit: fit.all,
    fitByBatchSize: fit.byBatchSize,
    projection: projectRollouts(fit),
  };
}
