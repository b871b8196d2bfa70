import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { localBaseImageBuildFlags } from "./base-images";
import { docker, progress, run } from "./exec";
import type { Fleet } from "./fleet";
import { REPO_ROOT } from "./settings";

const EXTRA_CA = "/etc/ssl/certs/ca-certificates.crt";

/** `buildkit-docker.sh build` argv for one of the project's images; the extra CA only as a secret. */
export function buildArgs(dockerfile: string, context: string, tag: string): string[] {
  const args = [path.join(REPO_ROOT, "scripts", "buildkit-docker.sh"), "build", "--quiet"];
  if (fs.existsSync(EXTRA_CA)) args.push("--secret", `id=ca,src=${EXTRA_CA}`);
  // The base images by their local tag (the Dockerfile pins them by digest, which only a registry
  // resolves). No per-build values (time, revision) go in: the same sources give the same digest,
  // so running `npm start` again without a code change is a no-op on every host.
  args.push(...localBaseImageBuildFlags(dockerfile));
  args.push("--tag", tag, "--file", dockerfile, context);
  return args;
}

/**
 * The local tags carry the checkout (a hash of its path): two checkouts on one machine building
 * at once must not take each other's image under a shared tag between build and push.
 */
const CHECKOUT = createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 6);

/** Builds the app image (app-image/Dockerfile) and the nginx image (nginx/Dockerfile). */
export async function buildProjectImages(): Promise<{ app: string; proxy: string }> {
  const images = {
    app: { tag: `berth-app:local-${CHECKOUT}`, dir: path.join(REPO_ROOT, "app-image") },
    proxy: { tag: `berth-nginx:local-${CHECKOUT}`, dir: path.join(REPO_ROOT, "nginx") },
  };
  for (const { tag, dir } of Object.values(images)) {
    const dockerfile = path.join(dir, "Dockerfile");
    if (!fs.existsSync(dockerfile))
      throw new Error(`${dockerfile} is missing: cannot build ${tag}`);
    progress(`building ${tag} from ${path.relative(REPO_ROOT, dockerfile)}`);
    const started = Date.now();
    await run("bash", buildArgs(dockerfile, dir, tag));
    progress(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  return { app: images.app.tag, proxy: images.proxy.tag };
}

/**
 * A new release without a rebuild: one tiny layer on top of an existing image (a changed file and
 * env), so its digest differs while every other layer is shared and pulls stay cheap.
 */
export async function deriveImage(
  base: string,
  tag: string,
  variant: string,
  extraDockerfileLines: string[] = [],
): Promise<string> {
  const dockerfile = [
    `FROM ${base}`,
    `ENV BERTH_VARIANT=${variant}`,
    `LABEL berth.variant=${variant}`,
    ...extraDockerfileLines,
  ].join("\n");
  await docker(["build", "--quiet", "--tag", tag, "-"], { input: dockerfile });
  return tag;
}

/**
 * Pushes a local image to the fleet registry and returns its reference as the hosts pull it:
 * `<registry>/<repo>@sha256:...` (the digest is the same whichever name the registry is reached by).
 */
export async function pushImage(fleet: Fleet, localTag: string, repo: string): Promise<string> {
  const pushRef = `${fleet.registryPushServer}/${repo}:latest`;
  const env = { ...process.env, DOCKER_CONFIG: fleet.dockerConfigDir };
  await docker(["tag", localTag, pushRef]);
  const started = Date.now();
  const out = await docker(["push", pushRef], { env });
  const match = /digest: (sha256:[0-9a-f]{64})/.exec(out.stdout);
  if (!match?.[1]) throw new Error(`docker push ${pushRef} printed no digest: ${out.stdout}`);
  await docker(["rmi", pushRef], { allowFail: true });
  const ref = `${fleet.registryServer}/${repo}@${match[1]}`;
  progress(`pushed ${localTag} as ${ref} (${Date.now() - started} ms)`);
  return ref;
}
