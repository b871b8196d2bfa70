/**
 * The fleet's two registries as a staging and a prod stack's repositories: staging's expires hard
 * (every manifest but the newest, through the registry API, after each push), and a promoted
 * release is copied into prod's by `infra/tools/copy-image`, run as the Pulumi program's
 * `command.local.Command` runs it (the same command line and environment builder).
 */
import { execFile } from "node:child_process";
import { REGISTRY_USER } from "../../../fleet/src/fleet";
import { deriveImage, pushImage } from "../../../fleet/src/images";
import { docker } from "../../../fleet/src/exec";
import {
  COPY_IMAGE_COMMAND,
  authFile,
  copiedImage,
  copyImageEnvironment,
  copyResult,
  splitImageByDigest,
} from "../../../infra/src/imageCopy";
import { REPO_ROOT } from "../../../fleet/src/settings";
import { ctx, settings } from "./fleet";

/** Staging's repository for these tests (apart from the one the other fleet tests push to). */
export const STAGING_REPO = "berth/staging-app";
/** Prod's repositories: the app and the proxy. */
export const PROD_REPO = { app: "berth/app", proxy: "berth/nginx" };

interface Registry {
  /** As the hosts name it (image references). */
  server: string;
  /** As this machine reaches it. */
  pushServer: string;
  password: string;
}

const staging = (): Registry => ({
  server: ctx().fleet.registryServer,
  pushServer: ctx().fleet.registryPushServer,
  password: ctx().fleet.registryPassword,
});
const prod = (): Registry => ctx().fleet.prodRegistry;

/** A host's image reference as this machine reaches the same registry, and back. */
const toPush = (ref: string, r: Registry) => ref.replace(`${r.server}/`, `${r.pushServer}/`);

async function registryApi(r: Registry, method: string, path: string): Promise<number> {
  const auth = Buffer.from(`${REGISTRY_USER}:${r.password}`).toString("base64");
  const res = await fetch(`http://${r.pushServer}/v2/${path}`, {
    method,
    headers: {
      Authorization: `Basic ${auth}`,
      Accept: [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
      ].join(", "),
    },
  });
  await res.arrayBuffer();
  return res.status;
}

/** The HTTP status of a manifest by digest: 200 while the registry holds it, 404 once expired. */
export async function manifestStatus(image: string, which: "staging" | "prod"): Promise<number> {
  const r = which === "staging" ? staging() : prod();
  const { repository, digest } = splitImageByDigest(image);
  const name = repository.slice(r.server.length + 1);
  return registryApi(r, "HEAD", `${name}/manifests/${digest}`);
}

const stagingPushed: string[] = [];
let variant = 0;

/**
 * A new app release pushed to staging, after which staging's lifecycle deletes every other
 * manifest of its repository. Returns the release as the hosts name it.
 */
export async function pushToStaging(name: string): Promise<string> {
  variant += 1;
  const tag = `${settings.prefix}-staging:${name}-${variant}`;
  await deriveImage(ctx().baseApp, tag, `${name}-${Date.now()}`);
  const image = await pushImage(ctx().fleet, tag, STAGING_REPO);
  await docker(["rmi", tag], { allowFail: true });
  for (const old of stagingPushed.splice(0)) {
    const status = await registryApi(
      staging(),
      "DELETE",
      `${STAGING_REPO}/manifests/${splitImageByDigest(old).digest}`,
    );
    if (status !== 202 && status !== 404)
      throw new Error(`staging's registry answered ${status} to deleting ${old}`);
  }
  stagingPushed.push(image);
  return image;
}

/**
 * Runs the program's image copy on this machine: `environment` is what the program hands its
 * `command.local.Command` (copyImageEnvironment), with registries named as the hosts name them.
 * Only what differs from AWS is replaced: the registries' addresses (this machine reaches them on
 * 127.0.0.1 ports), their logins (the fleet's, not ECR tokens) and TLS (plain HTTP). Returns the
 * command's stdout with the hosts' names back, and how long it took.
 */
export async function runCopyOnFleet(
  environment: Record<string, string>,
): Promise<{ stdout: string; ms: number }> {
  const registries = [staging(), prod()];
  const push = (ref: string) => registries.reduce((r, reg) => toPush(r, reg), ref);
  const env = {
    ...environment,
    BERTH_COPY_SOURCE: push(environment.BERTH_COPY_SOURCE ?? ""),
    BERTH_COPY_DESTINATION: push(environment.BERTH_COPY_DESTINATION ?? ""),
    BERTH_COPY_AUTH: authFile(
      registries.map((r) => ({
        server: r.pushServer,
        username: REGISTRY_USER,
        password: r.password,
      })),
    ),
    BERTH_COPY_TLS_VERIFY: "false",
  };
  const started = Date.now();
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      "/bin/sh",
      ["-c", COPY_IMAGE_COMMAND],
      { cwd: REPO_ROOT, env: { ...process.env, ...env } },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    ),
  );
  return {
    stdout: registries.reduce(
      (out, r) => out.split(`${r.pushServer}/`).join(`${r.server}/`),
      stdout,
    ),
    ms: Date.now() - started,
  };
}

/**
 * Promotes an image (as the hosts name it) into prod's registry, as the program does. Returns
 * the copy as the hosts name it and how long the copy took.
 */
export async function copyIntoProd(
  image: string,
  role: keyof typeof PROD_REPO,
): Promise<{ image: string; ms: number }> {
  const request = { source: image, destinationRepository: `${prod().server}/${PROD_REPO[role]}` };
  const { stdout, ms } = await runCopyOnFleet(
    copyImageEnvironment({ ...request, credentials: [] }),
  );
  return { image: copyResult(stdout, copiedImage(request)), ms };
}
