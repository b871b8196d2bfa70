/**
 * One local fleet for the whole fleet suite: 3 hosts behind the LB, brought up in a root `before`
 * hook (registered once, when the first test file imports this module) and removed in `after`.
 * Deploys go through the same code as `berth deploy -s local`: the rollout plan
 * (infra/src/rollout/plan.ts) run over SSH by the CLI's executor (cli/src/rollout.ts). Every agent
 * run's output is kept for the secrets check.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as net from "node:net";
import {
  AgentStatus,
  BackgroundOutcome,
  RegistryLogin,
  ReleaseSpec,
  stateDir,
} from "../../../infra/src/agent/contract";
import { RELEASE_GUARD_DEFAULTS } from "../../../infra/src/agent/specSchema";
import { readAgentScript } from "../../../infra/src/files";
import { planRollout } from "../../../infra/src/rollout/plan";
import { readStatuses } from "../../../cli/src/host-status";
import {
  localConfigHashKey,
  localDatabaseEnv,
  localReleaseSpec,
  localTarget,
} from "../../../cli/src/local";
import {
  ExecuteOptions,
  HostRun,
  RolloutResult,
  executePlan,
  rollbackHosts,
} from "../../../cli/src/rollout";
import { capture } from "../../../cli/src/run";
import { Endpoint, HostOutput, sshRunner, waitForSsh } from "../../../cli/src/ssh";
import { Target } from "../../../cli/src/targets";
import { fleetNames } from "../../../fleet/src/settings";
import { docker } from "../../../fleet/src/exec";
import { Fleet, REGISTRY_USER, fleetDown, fleetUp } from "../../../fleet/src/fleet";
import { buildProjectImages, deriveImage, pushImage } from "../../../fleet/src/images";
import { REPO_ROOT, fleetSettings } from "../../../fleet/src/settings";
import { waitFor } from "../../../fleet/src/wait";
import type { LoadCounts } from "./load";

/**
 * The suite's own fleet, named after this checkout so that two checkouts on one machine (a
 * developer's and a CI clone) never remove each other's hosts; the LB gets a free port.
 */
export const settings = fleetSettings({
  prefix: `berth-ft-${createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 6)}`,
  hostCount: 3,
  lbPort: 8870,
});

/** The fleet's config hash key, as `berth deploy -s local` keeps it. */
export const configHashKey = () => localConfigHashKey(settings);

/** The app and stack the fleet's releases run under (the local stack's). */
export const APP = "berth-demo";
export const STACK = "local";
/** The agent's state directory for the fleet's app on every host. */
export const STATE = stateDir(APP, STACK);

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
  target: Target;
  baseApp: string;
  baseProxy: string;
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
  context = {
    fleet,
    target: localTarget({ settings }),
    baseApp: local.app,
    baseProxy: local.proxy,
    proxy,
  };
  await Promise.all(hosts().map((host) => waitForSsh(host, runner())));
  console.log(
    `      fleet up with ${settings.hostCount} hosts in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
});

after(async function () {
  this.timeout(5 * 60 * 1000);
  if (process.env.BERTH_FLEET_KEEP === "1") return;
  await fleetDown(settings);
});

export function ctx(): Context {
  if (!context) throw new Error("the fleet is not up (the before hook failed)");
  return context;
}

/** Re-reads the hosts' SSH endpoints (a restarted host container gets a new published port). */
export async function refreshFleet(): Promise<void> {
  ctx().target = localTarget({ settings });
  await Promise.all(hosts().map((host) => waitForSsh(host, runner())));
}

export const hosts = (): Endpoint[] => ctx().target.hosts;
export const lbUrl = (path = "/") => `${ctx().fleet.url}${path}`;
/** Runs commands on hosts over SSH, exactly as the CLI does. */
export const runner = () => sshRunner(ctx().target.access, capture);

/** The login the hosts use by default: their credential helper (like ECR's on AWS). */
export function helperLogin(): RegistryLogin {
  return { server: ctx().fleet.registryServer, method: "helper" };
}

/** A login with a username and password on stdin (the agent's other registry method). */
export function passwordLogin(password = ctx().fleet.registryPassword): RegistryLogin {
  return {
    server: ctx().fleet.registryServer,
    method: "password",
    username: REGISTRY_USER,
    password,
  };
}

let variantCounter = 0;
/** A one-layer variant of a built image (so a new digest), pushed to the fleet's registry. */
async function pushedVariant(
  base: string,
  image: "app" | "nginx",
  name: string,
  extraDockerfileLines: string[],
): Promise<string> {
  variantCounter += 1;
  const tag = `${settings.prefix}-${image}:${name}-${variantCounter}`;
  await deriveImage(base, tag, `${name}-${Date.now()}`, extraDockerfileLines);
  const ref = await pushImage(ctx().fleet, tag, `berth/${image}`);
  await docker(["rmi", tag], { allowFail: true });
  return ref;
}

/** A new app release (new digest) from a variant of the built app image. */
export const newRelease = (name: string, extraDockerfileLines: string[] = []) =>
  pushedVariant(ctx().baseApp, "app", name, extraDockerfileLines);

/** A new proxy image (new digest) from a variant of the built nginx image. */
export const newProxyRelease = (name: string, extraDockerfileLines: string[] = []) =>
  pushedVariant(ctx().baseProxy, "nginx", name, extraDockerfileLines);

export function specFor(image: string, overrides: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return localReleaseSpec(
    { app: image, proxy: ctx().proxy },
    {
      env: {
        SHUTDOWN_TIMEOUT_MS: "8000",
        SHUTDOWN_DRAIN_DELAY_MS: "1000",
        BERTH_TEST_SECRET: SECRET,
        ...localDatabaseEnv(ctx().fleet.database?.url),
      },
      timeouts: { healthSeconds: 20, drainSeconds: 2, stopSeconds: 10 },
      // Smoke checks on, bake off: only the deploy-guard tests pay for a bake.
      guard: { ...RELEASE_GUARD_DEFAULTS, bakeSeconds: 0 },
      ...overrides,
    },
    settings.healthPath,
    ctx().fleet.database?.url,
  );
}

export function record(result: HostRun) {
  agentOutputs.push(result.stdout, result.stderr, result.error ?? "");
}

/** Rolls `spec` out with the rollout plan over SSH, as `berth deploy -s local` does. */
export async function deploy(
  spec: ReleaseSpec,
  options: ExecuteOptions & {
    registry?: RegistryLogin;
    only?: Endpoint[];
    batchSize?: number;
    /** Wait for the hosts' background work (drain, old workers, prune) too; default true. */
    settle?: boolean;
  } = {},
): Promise<RolloutResult> {
  const targets = options.only ?? hosts();
  const plan = planRollout({
    hosts: targets.map((h) => h.name),
    spec,
    registry: options.registry ?? helperLogin(),
    agent: readAgentScript(),
    batchSize: options.batchSize ?? 1,
    configHashKey: configHashKey(),
  });
  const result = await executePlan(plan, targets, runner(), options);
  result.results.forEach(record);
  // Settle the hosts whose agent ran (an unreachable host has no background work to wait for).
  const ran = result.results.filter((r) => r.summary !== null).map((r) => r.host);
  if (options.settle ?? true) await settled(ran);
  return result;
}

/** A host's background.json (the latest deploy's background work), or null. */
export async function backgroundOf(index: number): Promise<BackgroundOutcome | null> {
  const r = await onHost(index, `sudo -n cat ${STATE}/background.json 2>/dev/null || echo null`);
  return JSON.parse(r.stdout.trim() || "null") as BackgroundOutcome | null;
}

/** Waits until none of the named hosts (default: all) runs a deploy's background work. */
export async function settled(
  names: string[] = hosts().map((h) => h.name),
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(
    `the background work of ${names.join(", ") || "no host"} to finish`,
    async () => {
      for (const [i, host] of hosts().entries()) {
        if (names.includes(host.name) && (await backgroundOf(i))?.state === "running")
          throw new Error(`${host.name} still runs its background work`);
      }
      return true;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** `berth rollback` on every host (at once, unless `oneAtATime`). */
export async function rollback(
  options: { oneAtATime?: boolean; settle?: boolean } = {},
): Promise<RolloutResult> {
  const result = await rollbackHosts(hosts(), APP, STACK, runner(), {
    oneAtATime: options.oneAtATime,
  });
  result.results.forEach(record);
  if (options.settle ?? true) await settled();
  return result;
}

/** Every host's agent status; fails the test when a host does not answer. */
export async function statuses(): Promise<(AgentStatus & { host: string })[]> {
  const rows = await readStatuses(ctx().target, (argv) => capture(argv));
  return rows.map((row) => {
    assert.ok(row.status, `${row.host}: status failed: ${row.error}`);
    return { ...row.status, host: row.host };
  });
}

/** One host's agent status. */
export async function statusOf(index: number): Promise<AgentStatus & { host: string }> {
  const all = await statuses();
  return all[index]!;
}

/** Asserts every host runs `image` (healthy) and returns the statuses. */
export async function assertAllOn(image: string) {
  const all = await statuses();
  for (const s of all) {
    assert.equal(s.image, image, `${s.host} runs ${s.image}, expected ${image}`);
    assert.equal(s.healthy, true, `${s.host} is not healthy`);
  }
  return all;
}

/**
 * What a test file starts from: every host healthy on one release. When the fleet is not there
 * yet (this file runs alone, or an earlier one left it mixed), a fresh release is rolled out.
 * Returns the release's image.
 */
export async function convergedRelease(name: string): Promise<string> {
  const rows = await readStatuses(ctx().target, (argv) => capture(argv));
  const images = new Set(rows.map((r) => r.status?.image));
  const [only] = [...images];
  if (images.size === 1 && only && rows.every((r) => r.status?.healthy)) return only;
  const image = await newRelease(name);
  const result = await deploy(specFor(image));
  assert.equal(result.ok, true, result.error ?? "");
  return image;
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

export async function onHost(index: number, command: string, stdin = ""): Promise<HostOutput> {
  return runner()(hosts()[index]!, command, stdin);
}

/** Prints one line of figures in the test output. */
export function figure(label: string, value: unknown) {
  console.log(
    `      figure: ${label}: ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
}

/**
 * No request through the LB failed or answered non-2xx. When some did, the message shows the first
 * answers and what the LB logged about them (it logs only abnormal requests), so a rare failure
 * names the part that answered and the host it came from.
 */
export async function assertNoFailedRequests(load: LoadCounts, what: string): Promise<void> {
  const failed = load.errors + load.timeouts + load.non2xx;
  if (failed === 0) return;
  const lbLog = await docker(["logs", "--tail", "20", fleetNames(settings.prefix).lb], {
    allowFail: true,
  });
  assert.fail(
    `${failed} requests failed ${what} (${JSON.stringify({ ...load, non2xxSamples: undefined })})\n` +
      `first answers: ${load.non2xxSamples.join(" | ") || "none kept"}\n` +
      `LB log:\n${`${lbLog.stdout}${lbLog.stderr}`.trim() || "(empty)"}`,
  );
}
