/**
 * One local fleet for the whole fleet suite: 3 hosts behind the LB, brought up in a root `before`
 * hook (registered once, when the first test file imports this module) and removed in `after`.
 * Every agent run goes through `deploy`, which keeps its output for the secrets check.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as net from "node:net";
import type { RegistryLogin, ReleaseSpec } from "../../../infra/src/agent/contract";
import { docker } from "../../../fleet/src/exec";
import { Fleet, fleetDown, fleetHosts, fleetUp, registryLogin } from "../../../fleet/src/fleet";
import { buildProjectImages, deriveImage, pushImage } from "../../../fleet/src/images";
import {
  HostResult,
  HostStatus,
  RolloutOptions,
  RolloutResult,
  rollout,
  statusAll,
} from "../../../fleet/src/rollout";
import { REPO_ROOT, fleetSettings } from "../../../fleet/src/settings";
import { localReleaseSpec } from "../../../fleet/src/spec";
import { SshTarget, sshExec } from "../../../fleet/src/ssh";

/**
 * The suite's own fleet, named after this checkout so that two checkouts on one machine (a
 * developer's and a CI clone) never remove each other's hosts; the LB gets a free port.
 */
export const settings = fleetSettings({
  prefix: `berth-ft-${createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 6)}`,
  hostCount: 3,
  lbPort: 8870,
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
/** A secret in the app's environment: it must never show in any output or log. */
export const SECRET = `s3cret-${Math.random().toString(36).slice(2, 12)}`;

interface Context {
  fleet: Fleet;
  baseApp: string;
  proxy: string;
}
let context: Context | null = null;
/** Every agent output of the run (stdout + stderr), for the secrets check. */
export const agentOutputs: string[] = [];

before(async function () {
  this.timeout(20 * 60 * 1000);
  const started = Date.now();
  await fleetDown(settings);
  settings.lbPort = await freePort();
  const local = await buildProjectImages();
  const fleet = await fleetUp(settings);
  const proxy = await pushImage(fleet, local.proxy, "berth/nginx");
  context = { fleet, baseApp: local.app, proxy };
  console.log(
    `      fleet up with ${settings.hostCount} hosts in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
});

after(async function () {
  this.timeout(5 * 60 * 1000);
  if (process.env.BERTH_FLEET_KEEP === "1") return;
  await fleetDown(settings);
});

/** Re-reads the hosts' SSH endpoints (a restarted host container gets a new published port). */
export async function refreshFleet(): Promise<void> {
  ctx().fleet.hosts = await fleetHosts(settings);
}

export function ctx(): Context {
  if (!context) throw new Error("the fleet is not up (the before hook failed)");
  return context;
}

export const hosts = (): SshTarget[] => ctx().fleet.hosts;
export const lbUrl = (path = "/") => `${ctx().fleet.url}${path}`;

let variantCounter = 0;
/** A new app release (new digest) from a one-layer variant of the built app image, pushed. */
export async function newRelease(
  name: string,
  extraDockerfileLines: string[] = [],
): Promise<string> {
  variantCounter += 1;
  const tag = `${settings.prefix}-app:${name}-${variantCounter}`;
  await deriveImage(ctx().baseApp, tag, `${name}-${Date.now()}`, extraDockerfileLines);
  const ref = await pushImage(ctx().fleet, tag, "berth/app");
  await docker(["rmi", tag], { allowFail: true });
  return ref;
}

export function specFor(image: string, overrides: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return localReleaseSpec(
    { app: image, proxy: ctx().proxy },
    {
      env: {
        SHUTDOWN_TIMEOUT_MS: "8000",
        SHUTDOWN_DRAIN_DELAY_MS: "1000",
        BERTH_TEST_SECRET: SECRET,
      },
      timeouts: { healthSeconds: 20, drainSeconds: 2, stopSeconds: 10 },
      ...overrides,
    },
  );
}

export async function deploy(
  spec: ReleaseSpec,
  options: RolloutOptions & { registry?: RegistryLogin; only?: SshTarget[] } = {},
): Promise<RolloutResult> {
  const registry = options.registry ?? registryLogin(ctx().fleet);
  const result = await rollout(options.only ?? hosts(), spec, registry, {
    quiet: true,
    ...options,
  });
  for (const r of result.results) agentOutputs.push(r.stdout, r.stderr, r.error ?? "");
  return result;
}

export function record(result: HostResult) {
  agentOutputs.push(result.stdout, result.stderr, result.error ?? "");
}

export const statuses = (): Promise<HostStatus[]> => statusAll(hosts(), "berth-demo", "local");

/** Asserts every host runs `image` (healthy) and returns the statuses. */
export async function assertAllOn(image: string): Promise<HostStatus[]> {
  const all = await statuses();
  for (const s of all) {
    assert.equal(s.image, image, `${s.host} runs ${s.image}, expected ${image}`);
    assert.equal(s.healthy, true, `${s.host} is not healthy`);
  }
  return all;
}

/** The digests the LB serves, from `n` GET /version through it. */
export async function servedDigests(n = 12): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const res = await fetch(lbUrl("/version"));
    assert.equal(res.status, 200);
    seen.add(((await res.json()) as { digest: string }).digest);
  }
  return seen;
}

export async function onHost(index: number, command: string) {
  return sshExec(hosts()[index]!, command);
}

/** Prints one line of figures in the test output. */
export function figure(label: string, value: unknown) {
  console.log(
    `      figure: ${label}: ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
}
