/**
 * What a brand-new host pulls before it serves (issue 16 item 5): the main fleet's first deploy,
 * on hosts whose image store is empty. Bytes come from the registry's manifests (compressed, what
 * the pull downloads) and from the host's engine (unpacked); seconds from the agent's receipt,
 * whose pull phase covers both images, split between them at the engine's `pull` events; the
 * host's network counter says what it really received meanwhile.
 */
import type { ReleaseSpec } from "../../infra/src/agent/contract";
import type { RolloutResult } from "../../cli/src/rollout";
import { docker } from "../../fleet/src/exec";
import { BenchFleet, hostRuns, switchMoments } from "./bench-fleet";
import { compressedSize, manifest } from "./image";
import { phasesOf, servingAfterMs } from "./phases";
import type { ColdHostFigures, ColdImageFigures } from "./results";

/** One `pull` event of a host's engine: when it was logged (epoch ms) and the image it names. */
export interface PullEvent {
  atMs: number;
  id: string;
}

const digestOf = (reference: string) => reference.split("@")[1] ?? reference;

/**
 * Splits the receipt's pull phase (the app image, then the proxy image, one after the other)
 * between the two images by the engine's `pull` events: each is logged when its pull finished, so
 * the proxy's pull took from the app's event to its own and the app's the rest. Null where an
 * event is missing (the proxy was already on the host, or the events were not read).
 */
export function splitPull(
  pullMs: number | null,
  events: PullEvent[],
  app: string,
  proxy: string,
): { appPullMs: number | null; proxyPullMs: number | null } {
  const at = (reference: string) =>
    events.find((e) => e.id === reference || e.id.endsWith(`@${digestOf(reference)}`))?.atMs;
  const appAt = at(app);
  const proxyAt = at(proxy);
  if (pullMs === null || appAt === undefined || proxyAt === undefined || proxyAt < appAt)
    return { appPullMs: null, proxyPullMs: null };
  const proxyPullMs = Math.min(pullMs, Math.round(proxyAt - appAt));
  return { appPullMs: pullMs - proxyPullMs, proxyPullMs };
}

/** `docker events --format '{{.TimeNano}} {{.Actor.ID}}'` lines as PullEvents. */
export function parsePullEvents(text: string): PullEvent[] {
  return text
    .split("\n")
    .map((line) => /^(\d+) (\S+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ atMs: Number(m[1]) / 1e6, id: m[2] as string }));
}

async function onHost(container: string, argv: string[]): Promise<string | null> {
  const r = await docker(["exec", container, ...argv], { allowFail: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

const receivedBytes = async (container: string) => {
  const text = await onHost(container, ["cat", "/sys/class/net/eth0/statistics/rx_bytes"]);
  return text === null || !/^\d+$/.test(text) ? null : Number(text);
};

/** What each host holds before its first deploy, so that the deploy's figures can be read against it. */
export interface ColdHostBefore {
  sinceSeconds: number;
  imagesBefore: (number | null)[];
  receivedBytes: (number | null)[];
}

export async function coldHostBefore(bench: BenchFleet): Promise<ColdHostBefore> {
  const containers = bench.hosts.map((_, i) => bench.container(i));
  return {
    sinceSeconds: Math.floor(Date.now() / 1000) - 1,
    imagesBefore: await Promise.all(
      containers.map(async (c) => {
        const text = await onHost(c, ["docker", "images", "--all", "--quiet"]);
        return text === null ? null : text.split("\n").filter(Boolean).length;
      }),
    ),
    receivedBytes: await Promise.all(containers.map(receivedBytes)),
  };
}

async function imageFigures(
  bench: BenchFleet,
  reference: string,
  container: string,
): Promise<ColdImageFigures> {
  const m = await manifest(bench.fleet, reference).catch(() => null);
  const size = await onHost(container, [
    "docker",
    "image",
    "inspect",
    "--format",
    "{{.Size}}",
    reference,
  ]);
  return {
    reference,
    compressedBytes: m ? compressedSize(m.manifest) : null,
    layers: m ? m.manifest.layers.length : null,
    sizeBytes: size !== null && /^\d+$/.test(size) ? Number(size) : null,
  };
}

/**
 * The first deploy's figures per host. `batchStarts` holds when each batch started (the rollout's
 * start, then one per `afterBatch`); the first deploy runs in batches of one.
 */
export async function coldHostFigures(
  bench: BenchFleet,
  spec: ReleaseSpec,
  result: RolloutResult,
  batchStarts: number[],
  before: ColdHostBefore,
): Promise<ColdHostFigures> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const runs = hostRuns(result.results, batchStarts, await switchMoments(bench, spec));
  const hosts = await Promise.all(
    runs.map(async (run, i) => {
      const container = bench.container(i);
      const events = parsePullEvents(
        (await onHost(container, [
          "docker",
          "events",
          "--since",
          String(before.sinceSeconds),
          "--until",
          String(until),
          "--filter",
          "type=image",
          "--filter",
          "event=pull",
          "--format",
          "{{.TimeNano}} {{.Actor.ID}}",
        ])) ?? "",
      );
      const durations = run.summary?.durationsMs ?? {};
      const pullMs = typeof durations.pull === "number" ? durations.pull : null;
      const rxBefore = before.receivedBytes[i] ?? null;
      const rxAfter = await receivedBytes(container);
      return {
        host: run.host,
        imagesBefore: before.imagesBefore[i] ?? null,
        releaseCommand: typeof durations.release === "number",
        pullMs,
        ...splitPull(pullMs, events, spec.image, spec.proxyImage),
        servingAfterMs: servingAfterMs(run),
        wallMs: run.wallMs,
        receivedBytes: rxBefore === null || rxAfter === null ? null : rxAfter - rxBefore,
        phasesMs: phasesOf(durations),
      };
    }),
  );
  return {
    app: await imageFigures(bench, spec.image, bench.container(0)),
    proxy: await imageFigures(bench, spec.proxyImage, bench.container(0)),
    hosts,
  };
}
