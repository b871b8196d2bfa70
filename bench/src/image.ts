/**
 * Image figures on a throwaway copy of app-image/ (the work tree is never touched): a cold build
 * (--no-cache), then the same one-line code change bench/image-figures.sh makes, rebuilt with the
 * cache warm. The images are the rollouts' releases: v1 is deployed first, v2 is the code-only
 * change rolled out under load with bake 0, v3 a second one-line change (on top of v2) rolled out
 * with the default bake. Pushed bytes come from the registry's manifests.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, run } from "../../fleet/src/exec";
import type { Fleet } from "../../fleet/src/fleet";
import { REGISTRY_USER } from "../../fleet/src/fleet";
import { buildArgs, pushImage } from "../../fleet/src/images";
import { REPO_ROOT } from "../../fleet/src/settings";
import { onCleanup } from "./cleanup";
import { progress } from "./progress";

/**
 * The one-line change: the greeting's text. It carries the run's id, so that no earlier run left
 * the changed build in the cache and the rebuild really compiles.
 */
export const ONE_LINE_CHANGE = {
  from: '"Hello from berth"',
  to: (runId: string) => `"Hello from berth, again (${runId})"`,
};

export interface BuiltReleases {
  v1: string;
  v2: string;
  v3: string;
  coldBuildMs: number;
  rebuildMs: number;
  sizeBytes: number;
}

/** Copies app-image/ (without node_modules and dist) to a temporary directory. */
function copyAppImage(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-app-"));
  const source = path.join(REPO_ROOT, "app-image");
  fs.cpSync(source, dir, {
    recursive: true,
    filter: (file) =>
      !path
        .relative(source, file)
        .split(path.sep)
        .some((part) => part === "node_modules" || part === "dist"),
  });
  return dir;
}

/** Replaces exactly one occurrence of `from` in the file; throws if there is not exactly one. */
export function changeOneLine(text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected "${from}" exactly once, found it ${count} times`);
  return text.replace(from, to);
}

async function timedBuild(context: string, tag: string, noCache: boolean): Promise<number> {
  const args = buildArgs(path.join(context, "Dockerfile"), context, tag);
  if (noCache) args.splice(2, 0, "--no-cache");
  const started = Date.now();
  await run("bash", args);
  return Date.now() - started;
}

/**
 * Builds v1 (cold, unless `coldBuild` is false), v2 (v1 plus the one-line change) and v3 (v2 with
 * that line changed once more: the same kind of change for the second rollout).
 */
export async function buildReleases(
  tagPrefix: string,
  runId: string,
  coldBuild = true,
): Promise<BuiltReleases> {
  const copy = copyAppImage();
  const v1 = `${tagPrefix}:v1`;
  const v2 = `${tagPrefix}:v2`;
  const v3 = `${tagPrefix}:v3`;
  onCleanup(`images ${v1}, ${v2}, ${v3} and ${copy}`, async () => {
    fs.rmSync(copy, { recursive: true, force: true });
    await docker(["image", "rm", "--force", v1, v2, v3], { allowFail: true });
  });
  progress(`${coldBuild ? "cold build (--no-cache)" : "build"} of app-image as ${v1}`);
  const coldBuildMs = await timedBuild(copy, v1, coldBuild);
  progress(`cold build: ${(coldBuildMs / 1000).toFixed(1)} s`);
  const routes = path.join(copy, "src", "routes.ts");
  fs.writeFileSync(
    routes,
    changeOneLine(fs.readFileSync(routes, "utf8"), ONE_LINE_CHANGE.from, ONE_LINE_CHANGE.to(runId)),
  );
  progress(`rebuild after a one-line change in src/routes.ts as ${v2}`);
  const rebuildMs = await timedBuild(copy, v2, false);
  progress(`rebuild: ${(rebuildMs / 1000).toFixed(1)} s`);
  fs.writeFileSync(
    routes,
    changeOneLine(
      fs.readFileSync(routes, "utf8"),
      ONE_LINE_CHANGE.to(runId),
      ONE_LINE_CHANGE.to(`${runId}, v3`),
    ),
  );
  progress(`a second one-line change as ${v3}`);
  await timedBuild(copy, v3, false);
  const sizeBytes = Number(
    (await docker(["image", "inspect", "--format", "{{.Size}}", v1])).stdout.trim(),
  );
  return { v1, v2, v3, coldBuildMs, rebuildMs, sizeBytes };
}

export interface Manifest {
  config: { digest: string; size: number };
  layers: { digest: string; size: number }[];
}

/** The image manifest from the fleet registry, as this machine reaches it (basic auth). */
export async function manifest(
  fleet: Fleet,
  reference: string,
): Promise<{ manifest: Manifest; bytes: number }> {
  const [repoPart, digest] = reference.split("@");
  const repo = (repoPart ?? "").split("/").slice(1).join("/");
  const response = await fetch(
    `http://${fleet.registryPushServer}/v2/${repo}/manifests/${digest}`,
    {
      headers: {
        accept:
          "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json",
        authorization: `Basic ${Buffer.from(`${REGISTRY_USER}:${fleet.registryPassword}`).toString("base64")}`,
      },
    },
  );
  if (!response.ok) throw new Error(`registry manifest ${reference}: HTTP ${response.status}`);
  const text = await response.text();
  return { manifest: JSON.parse(text) as Manifest, bytes: Buffer.byteLength(text) };
}

/** What pushing v2 after v1 sends: the layers v1 does not have, v2's config blob and manifest. */
export function pushedBytes(before: Manifest, after: Manifest, manifestBytes: number) {
  const known = new Set(before.layers.map((l) => l.digest));
  const added = after.layers.filter((l) => !known.has(l.digest));
  return {
    layers: added.length,
    bytes: added.reduce((s, l) => s + l.size, 0) + after.config.size + manifestBytes,
  };
}

export const compressedSize = (m: Manifest) => m.layers.reduce((s, l) => s + l.size, 0);

/** Pushes v1, v2 and v3; returns their references by digest and the figures of v2's push. */
export async function pushReleases(fleet: Fleet, releases: BuiltReleases, repo: string) {
  const v1 = await pushImage(fleet, releases.v1, repo);
  const started = Date.now();
  const v2 = await pushImage(fleet, releases.v2, repo);
  const pushMs = Date.now() - started;
  const v3 = await pushImage(fleet, releases.v3, repo);
  const m1 = await manifest(fleet, v1);
  const m2 = await manifest(fleet, v2);
  const pushed = pushedBytes(m1.manifest, m2.manifest, m2.bytes);
  const known = new Set(m1.manifest.layers.map((l) => l.digest));
  progress(
    `v2 adds ${pushed.layers} layer(s) over v1: ` +
      m2.manifest.layers
        .map((l, i) => (known.has(l.digest) ? null : `#${i + 1} ${l.size} B`))
        .filter(Boolean)
        .join(", "),
  );
  return {
    v1,
    v2,
    v3,
    pushMs,
    compressedBytes: compressedSize(m1.manifest),
    rebuildPushedBytes: pushed.bytes,
    rebuildPushedLayers: pushed.layers,
  };
}
