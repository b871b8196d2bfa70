/**
 * What the docker tests share: both images, built once per run under a run-unique tag, and a
 * "stack" (private network + app + nginx) per test file. Everything this run creates is named
 * with RUN_PREFIX and removed by the root `after` hook below.
 */
import { randomBytes } from "node:crypto";
import {
  buildImage,
  docker,
  dockerResult,
  inspect,
  publishedAddress,
  removeContainers,
  removeImages,
  removeNetworks,
  waitFor,
} from "../support/docker";
import { request } from "./http";

const RUN_ID = randomBytes(3).toString("hex");
export const RUN_PREFIX = `berth-test-${RUN_ID}`;
export const APP_IMAGE = `berth-test-app:${RUN_ID}`;
export const NGINX_IMAGE = `berth-test-nginx:${RUN_ID}`;
/** Build-time OCI labels the image tests check for. */
export const BUILD_REVISION = `test-${RUN_ID}`;
export const BUILD_CREATED = new Date().toISOString();
export const BUILD_SOURCE = "https://example.test/berth.git";

export interface Images {
  appId: string;
  nginxId: string;
}

let images: Promise<Images> | undefined;

/** Builds both images (once per run; later calls share the first build). */
export function buildImages(): Promise<Images> {
  images ??= (async () => {
    const buildArgs = { SOURCE: BUILD_SOURCE, REVISION: BUILD_REVISION, CREATED: BUILD_CREATED };
    // One after the other: the machine has two cores.
    const appId = await buildImage({ context: "app-image", tag: APP_IMAGE, buildArgs });
    const nginxId = await buildImage({ context: "nginx", tag: NGINX_IMAGE, buildArgs });
    return { appId, nginxId };
  })();
  return images;
}

// A root-level hook (registered when the first test file imports this module): runs once, last.
after(async function () {
  this.timeout(120_000);
  await removeContainers(RUN_PREFIX);
  await removeNetworks(RUN_PREFIX);
  await removeImages([APP_IMAGE, NGINX_IMAGE]);
});

export interface AppOptions {
  release?: string;
  env?: Record<string, string>;
  /** Network alias; nginx's default upstream is `app:3000`. */
  alias?: string;
  /** Publish the app's port 3000 on 127.0.0.1 too. */
  publish?: boolean;
}

export interface Stack {
  network: string;
  subnet: string;
  app: string;
  nginx: string;
  /** `http://127.0.0.1:<port>`: nginx, published. */
  url: string;
  release: string;
  digest: string;
}

function envFlags(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([name, value]) => ["--env", `${name}=${value}`]);
}

export async function createNetwork(name: string): Promise<string> {
  await docker(["network", "create", "--label", `berth.test=${RUN_ID}`, name]);
  return docker(["network", "inspect", "--format", "{{(index .IPAM.Config 0).Subnet}}", name]);
}

/** Starts an app web container and waits until its own health check passes. */
export async function startApp(name: string, network: string, options: AppOptions = {}) {
  const { appId } = await buildImages();
  const release = options.release ?? "test-release-1";
  const flags = ["run", "--detach", "--name", name, "--network", network];
  if (options.alias !== undefined) flags.push("--network-alias", options.alias);
  if (options.publish) flags.push("--publish", "127.0.0.1::3000");
  await docker([
    ...flags,
    ...envFlags({ APP_RELEASE: release, APP_DIGEST: appId, ...options.env }),
    APP_IMAGE,
  ]);
  await waitFor(`${name} to answer /healthz`, async () => {
    const check = await dockerResult(["exec", name, "node", "dist/healthcheck.js"]);
    return check.code === 0 ? true : undefined;
  });
  return { release, digest: appId };
}

/** Starts an nginx container publishing 8080 on 127.0.0.1; resolves to its URL once it serves. */
export async function startNginx(
  name: string,
  network: string,
  trustedProxyCidrs = "",
): Promise<string> {
  await buildImages();
  await docker([
    "run",
    "--detach",
    "--name",
    name,
    "--network",
    network,
    "--publish",
    "127.0.0.1::8080",
    "--env",
    `TRUSTED_PROXY_CIDRS=${trustedProxyCidrs}`,
    NGINX_IMAGE,
  ]);
  const url = `http://${await publishedAddress(name, 8080)}`;
  await waitFor(`${name} to serve /nginx-health`, async () =>
    (await request(`${url}/nginx-health`)).status === 200 ? true : undefined,
  );
  return url;
}

/** A private network with the app (alias `app`) and nginx in front of it. */
export async function startStack(
  label: string,
  options: AppOptions & { trustedProxyCidrs?: string } = {},
): Promise<Stack> {
  const network = `${RUN_PREFIX}-${label}`;
  const subnet = await createNetwork(network);
  const app = `${network}-app`;
  const nginx = `${network}-nginx`;
  const { release, digest } = await startApp(app, network, { alias: "app", ...options });
  const url = await startNginx(nginx, network, options.trustedProxyCidrs);
  return { network, subnet, app, nginx, url, release, digest };
}

/** Removes a stack's containers and network. */
export async function stopStack(stack: Stack | undefined): Promise<void> {
  if (!stack) return;
  await removeContainers(stack.network);
  await removeNetworks(stack.network);
}

/** The container's stdout as parsed JSON lines (non-JSON lines, like nginx's error log, skipped). */
export async function jsonLogs(container: string): Promise<Record<string, unknown>[]> {
  const result = await dockerResult(["logs", container]);
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The first JSON log line of a container that `matches`, waiting for it: nginx buffers its access
 * log and writes it at least once a second.
 */
export function jsonLogLine(
  container: string,
  matches: (line: Record<string, unknown>) => boolean,
  timeoutMs = 5000,
): Promise<Record<string, unknown>> {
  return waitFor(
    `a matching JSON log line from ${container}`,
    async () => (await jsonLogs(container)).find(matches),
    { timeoutMs },
  );
}

/** `docker exec CONTAINER node -e SCRIPT ARGS...`: the app image has node and no shell. */
export function execNode(
  container: string,
  script: string,
  args: string[] = [],
  input?: string,
): Promise<string> {
  const flags = input === undefined ? [] : ["-i"];
  return docker(["exec", ...flags, container, "node", "-e", script, ...args], { input });
}

/** How many TCP connections to local `port` are ESTABLISHED in an app container (from /proc/net/tcp*). */
export async function establishedConnections(container: string, port: number): Promise<number> {
  const table = await execNode(
    container,
    'const fs = require("fs"); for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) process.stdout.write(fs.readFileSync(f, "utf8"));',
  );
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  // Columns: sl, local_address, rem_address, st (01 = ESTABLISHED), ...
  return table.split("\n").filter((line) => {
    const fields = line.trim().split(/\s+/);
    return `${fields[1] ?? ""} `.endsWith(local) && fields[3] === "01";
  }).length;
}

/**
 * Every uid (real, effective, saved, filesystem) of every process in a running container, as the
 * engine's `docker top` sees them: no tool inside the image is needed (the app image has no shell).
 */
export async function processUids(container: string): Promise<number[]> {
  const out = await docker(["top", container, "-eo", "pid,ruid,euid,suid,fsuid"]);
  return out
    .split("\n")
    .slice(1)
    .flatMap((line) => line.trim().split(/\s+/).slice(1).filter(Boolean).map(Number));
}

export { inspect };
