import * as fs from "node:fs";
import * as path from "node:path";
import { specFields } from "../../infra/src/agent/specSchema";

/** Where and how big the local fleet is. Every name and port derives from these. */
export interface FleetSettings {
  /** Prefix of every container, network and volume the fleet creates (tests use their own). */
  prefix: string;
  /** How many simulated EC2 hosts sit behind the load balancer. */
  hostCount: number;
  /** The load balancer's port on 127.0.0.1 (the fleet's URL). */
  lbPort: number;
  /** Git-ignored directory for the SSH key, registry password and host keys. */
  stateDir: string;
  /** What the load balancer checks on every host's proxy (the ALB's target group does the same). */
  healthPath: string;
}

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

const PREFIX = /^[a-z][a-z0-9-]{0,30}$/;

/** The most simulated hosts one fleet may have: the bench grows a fleet to 10 on 2 cores. */
export const MAX_FLEET_HOSTS = 10;

/** Validates the settings, naming the bad value and the fix. */
export function fleetSettings(input: Partial<FleetSettings> = {}): FleetSettings {
  const prefix = input.prefix ?? "berth-fleet";
  const hostCount = input.hostCount ?? 2;
  const lbPort = input.lbPort ?? 8800;
  const healthPath = input.healthPath ?? "/healthz";
  if (!PREFIX.test(prefix))
    throw new Error(`fleet prefix "${prefix}" must be lowercase letters, digits and dashes`);
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > MAX_FLEET_HOSTS)
    throw new Error(
      `fleet host count must be a whole number from 1 to ${MAX_FLEET_HOSTS} (got ${hostCount})`,
    );
  if (!Number.isInteger(lbPort) || lbPort < 1024 || lbPort > 65535)
    throw new Error(`fleet LB port must be a whole number from 1024 to 65535 (got ${lbPort})`);
  if (!specFields.healthPath.safeParse(healthPath).success)
    throw new Error(
      `fleet health path must be a path starting with / like /healthz (got "${healthPath}")`,
    );
  return {
    prefix,
    hostCount,
    lbPort,
    healthPath,
    stateDir: input.stateDir ?? path.join(REPO_ROOT, ".berth", prefix),
  };
}

/** Names of the fleet's docker objects, all under the prefix. */
export function fleetNames(prefix: string) {
  return {
    network: `${prefix}-net`,
    registry: `${prefix}-registry`,
    registryVolume: `${prefix}-registry-data`,
    lb: `${prefix}-lb`,
    host: (index: number) => `${prefix}-host-${index}`,
    hostVolume: (index: number) => `${prefix}-host-${index}-docker`,
    hostImage: "berth-fleet-host:latest",
    servicesImage: "berth-fleet-services:latest",
    /** How the hosts reach the registry (on the fleet network): the image references' server. */
    registryServer: `${prefix}-registry:5000`,
    /**
     * A second registry, standing in for a prod stack's own repositories: a promoted release is
     * copied into it by digest (infra/tools/copy-image) while the first one plays staging's.
     */
    prodRegistry: `${prefix}-prod-registry`,
    prodRegistryVolume: `${prefix}-prod-registry-data`,
    prodRegistryServer: `${prefix}-prod-registry:5000`,
    /** The fleet's PostgreSQL (RDS's stand-in) and its data volume, removed by `down`. */
    postgres: `${prefix}-postgres`,
    postgresVolume: `${prefix}-postgres-data`,
    postgresImage: "berth-fleet-postgres:latest",
  };
}

/**
 * Settings from command-line options, falling back to what the last `up` used (kept in
 * `.berth/fleet.json`), so `npm start` after `BERTH_HOSTS=3 npm start` keeps three hosts.
 */
export function rememberedSettings(options: { hosts?: string; port?: string; prefix?: string }) {
  const file = path.join(REPO_ROOT, ".berth", "fleet.json");
  const saved = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, "utf8")) as { hosts?: number; port?: number })
    : {};
  const hostCount = options.hosts ? Number(options.hosts) : (saved.hosts ?? 2);
  const lbPort = options.port ? Number(options.port) : saved.port;
  const settings = fleetSettings({ prefix: options.prefix, hostCount, lbPort });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ hosts: hostCount, port: settings.lbPort }) + "\n");
  return settings;
}
