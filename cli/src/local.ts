import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOST_LOGIN_USER, ReleaseSpec } from "../../infra/src/agent/contract";
import { CONFIG_HASH_KEY } from "../../infra/src/agent/invocation";
import { RELEASE_GUARD_DEFAULTS } from "../../infra/src/agent/specSchema";
import { Fleet, connectFleet } from "../../fleet/src/fleet";
import { FleetSettings, fleetSettings, rememberedSettings } from "../../fleet/src/settings";
import { CliError } from "./pulumi";
import { LOCAL_STACK, Target } from "./targets";

/** The local fleet bakes briefly: long enough to catch a release that fails every request. */
export const LOCAL_BAKE_SECONDS = 3;

/** The app name the local fleet runs (the sample app under app-image/). */
export const LOCAL_APP = "berth-demo";

/** The sample app's release command: its migrations (node-pg-migrate), once per rollout. */
export const LOCAL_RELEASE_COMMAND = ["node", "dist/migrate.js"];

/** The app's database settings on the local fleet; none without a database. */
export function localDatabaseEnv(databaseUrl?: string): Record<string, string> {
  return databaseUrl ? { DATABASE_URL: databaseUrl, PGPOOL_MAX: "5" } : {};
}

/**
 * The release the local fleet runs: the sample app's web + worker and the project's nginx, with
 * the fleet's health path. With the fleet's database, DATABASE_URL goes in the env (a secret:
 * the agent keeps env values out of argv and logs) and the release command runs the migrations. The AWS stacks build theirs from config (infra/src/releaseSpec.ts);
 * both are checked by the same validator when the rollout plan renders them.
 */
export function localReleaseSpec(
  images: { app: string; proxy: string },
  overrides: Partial<ReleaseSpec> = {},
  healthPath = fleetSettings().healthPath,
  databaseUrl?: string,
): ReleaseSpec {
  return {
    app: LOCAL_APP,
    stack: LOCAL_STACK,
    image: images.app,
    proxyImage: images.proxy,
    web: { command: null, port: 3000, healthPath },
    worker: { command: ["node", "dist/worker.js"], count: 1 },
    releaseCommand: databaseUrl ? LOCAL_RELEASE_COMMAND : null,
    env: {
      SHUTDOWN_TIMEOUT_MS: "8000",
      SHUTDOWN_DRAIN_DELAY_MS: "1000",
      ...localDatabaseEnv(databaseUrl),
    },
    timeouts: { healthSeconds: 30, drainSeconds: 2, stopSeconds: 10 },
    keepReleases: 3,
    guard: { ...RELEASE_GUARD_DEFAULTS, bakeSeconds: LOCAL_BAKE_SECONDS },
    ...overrides,
  };
}

/** known_hosts lines for hosts published on 127.0.0.1 under non-standard ports. */
export function knownHostsLines(entries: { port: number; publicKey: string }[]): string {
  return entries
    .map(
      ({ port, publicKey }) =>
        `[127.0.0.1]:${port} ${publicKey.trim().split(/\s+/).slice(0, 2).join(" ")}`,
    )
    .join("\n")
    .concat("\n");
}

/**
 * The local fleet's config hash key (see configHash): 32 random bytes made on first use and kept,
 * 0600, in the fleet's state directory, as an AWS stack keeps its key in its Pulumi state.
 */
export function localConfigHashKey(settings: FleetSettings): string {
  const file = join(settings.stateDir, "config-hash-key");
  try {
    const key = readFileSync(file, "utf8").trim();
    if (CONFIG_HASH_KEY.test(key)) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(settings.stateDir, { recursive: true });
  const key = randomBytes(32).toString("hex");
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** The settings of the fleet the CLI talks to: the remembered default, or a test's prefix. */
export function localSettings(prefix?: string): FleetSettings {
  return prefix ? fleetSettings({ prefix }) : rememberedSettings({});
}

/** The running local fleet, or a CliError saying how to start it. */
export function connectLocalFleet(settings: FleetSettings): Fleet {
  try {
    return connectFleet(settings);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/**
 * The local fleet (`npm start`) as a target: its hosts (the fleet's own discovery), the fleet's
 * key, and a known_hosts file built from each host's key (read through docker, a channel the
 * operator already trusts), so host keys are checked strictly, as with pinned AWS hosts.
 */
export function localTarget(
  options: { prefix?: string; settings?: FleetSettings; fleet?: Fleet } = {},
): Target {
  const settings = options.settings ?? options.fleet?.settings ?? localSettings(options.prefix);
  const fleet = options.fleet ?? connectLocalFleet(settings);
  mkdirSync(settings.stateDir, { recursive: true });
  const knownHostsFile = join(settings.stateDir, "cli_known_hosts");
  writeFileSync(
    knownHostsFile,
    knownHostsLines(fleet.hosts.map((h) => ({ port: h.port, publicKey: h.hostKey }))),
    { mode: 0o600 },
  );
  return {
    stack: LOCAL_STACK,
    kind: "local",
    app: LOCAL_APP,
    agentStack: LOCAL_STACK,
    hosts: fleet.hosts.map((h) => ({
      name: h.name,
      address: "127.0.0.1",
      port: h.port,
      user: HOST_LOGIN_USER,
    })),
    url: fleet.url,
    access: { identityFile: fleet.identityFile, knownHostsFile, strictHostKeyChecking: "yes" },
  };
}
