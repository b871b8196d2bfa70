/**
 * The ephemeral stack's name and config. Pure: the acceptance test's stack is the staging layout
 * (Pulumi.staging.yaml) shrunk to one small host, moved to the chosen region, reachable over SSH
 * from the runner only, with a key pair made for this run and tags that mark it ephemeral.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { STACK_NAME } from "../../infra/src/agent/contract";

/** The repository root: Pulumi.yaml and the stack files live here. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Every acceptance stack's name starts with this; a sweeper can find leftovers by it. */
export const STACK_PREFIX = "berth-acc";

/** The instance type unless --instance-type says otherwise: staging's, the smallest sane one. */
export const DEFAULT_INSTANCE_TYPE = "t3.small";

/** An error whose message is the whole story, printed as one line without a stack trace. */
export class AcceptanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AcceptanceError";
  }
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const RANDOM_HEX = /^[0-9a-f]{6}$/;

/** `berth-acc-<yyyymmddhhmm UTC>-<6 hex>`: sortable by start time, unique per run. */
export function acceptanceStackName(now: Date, randomHex: string): string {
  if (!RANDOM_HEX.test(randomHex))
    throw new AcceptanceError(
      `the stack name's random part must be 6 hex digits (got "${randomHex}")`,
    );
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp =
    `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}`;
  const name = `${STACK_PREFIX}-${stamp}-${randomHex}`;
  // The agent's rule (ECR repository names, container labels, the hosts' state directory).
  if (!STACK_NAME.test(name))
    throw new AcceptanceError(`"${name}" is not a valid berth stack name`);
  return name;
}

export function isRegion(text: string): boolean {
  return REGION.test(text);
}

/**
 * The ALB needs two zones. Without --zones: `<region>a` and `<region>b`, which exist in most
 * regions (not in every account: us-west-1 and ap-northeast-1 often lack one; pass --zones then).
 */
export function zonesFor(region: string, override?: readonly string[]): string[] {
  if (!override || override.length === 0) return [`${region}a`, `${region}b`];
  const zones = [...override];
  const foreign = zones.find((z) => !new RegExp(`^${region}[a-z]$`).test(z));
  if (foreign !== undefined)
    throw new AcceptanceError(
      `--zones must list availability zones of ${region} like ${region}a (got "${foreign}")`,
    );
  if (zones.length < 2 || new Set(zones).size !== zones.length)
    throw new AcceptanceError(
      `--zones must list at least two different zones, the ALB spans two (got "${zones.join(",")}")`,
    );
  return zones;
}

/** The `config:` map of a committed stack file, structured values as YAML gave them. */
export function readStackFile(stack: string, root: string = REPO_ROOT): Record<string, unknown> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const doc = parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config = { ...(doc?.config ?? {}) };
  for (const [key, value] of Object.entries(config))
    if (JSON.stringify(value).includes('"secure"'))
      throw new AcceptanceError(
        `${file}: ${key} is encrypted; the acceptance test cannot reuse it`,
      );
  return config;
}

/** What one run sets on top of the staging layout. */
export interface AcceptanceSettings {
  stackName: string;
  region: string;
  zones: string[];
  /** The runner's egress address, e.g. 203.0.113.10/32: the only source allowed to SSH. */
  sshCidr: string;
  /** OpenSSH public key line of this run's key pair. */
  publicKey: string;
  /** The matching private key (PEM); set as a secret, never in plain config. */
  privateKey: string;
  instanceType: string;
}

/** One value for `stack.setAllConfig`: structured values as JSON text, as the CLI hands them over. */
export interface ConfigEntry {
  value: string;
  secret?: boolean;
}
export type ConfigMap = Record<string, ConfigEntry>;

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? { ...(value as Record<string, unknown>) }
    : {};
}

function encode(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** The plain (non-secret) config of the ephemeral stack, structured values as objects. */
export function acceptanceValues(
  base: Record<string, unknown>,
  s: Omit<AcceptanceSettings, "privateKey">,
): Record<string, unknown> {
  const network = record(base["berth:network"]);
  delete network.egress;
  const loadBalancer = record(base["berth:loadBalancer"]);
  delete loadBalancer.certificateArn;
  const release = record(base["berth:release"]);
  delete release.digest;
  delete release.proxyDigest;
  const values: Record<string, unknown> = {
    ...base,
    "aws:region": s.region,
    // The staging layout: hosts in public subnets, no NAT gateway, no bastion.
    "berth:network": { ...network, availabilityZones: s.zones, hostSubnets: "public" },
    "berth:hosts": {
      ...record(base["berth:hosts"]),
      count: 1,
      instanceType: s.instanceType,
      rootVolumeGiB: 20,
    },
    "berth:ssh": { allowedCidrs: [s.sshCidr], publicKey: s.publicKey },
    "berth:bastion": { enabled: false },
    "berth:release": { ...release, batchSize: 1 },
    // HTTP only: no certificate exists in a fresh account, and none is needed to test a rollout.
    "berth:loadBalancer": { ...loadBalancer, deletionProtection: false },
    "berth:logs": { enabled: false },
    "berth:tags": {
      ...record(base["berth:tags"]),
      environment: "acceptance",
      ephemeral: "true",
      "acceptance-run": s.stackName,
    },
  };
  delete values["berth:sshPrivateKey"];
  delete values["berth:secretEnv"];
  return values;
}

/** Everything `setAllConfig` gets before the first `up`; the private key is the only secret. */
export function acceptanceConfig(base: Record<string, unknown>, s: AcceptanceSettings): ConfigMap {
  const config: ConfigMap = {};
  for (const [key, value] of Object.entries(acceptanceValues(base, s)))
    config[key] = { value: encode(value) };
  config["berth:sshPrivateKey"] = { value: s.privateKey, secret: true };
  return config;
}

/**
 * The config change that rolls back, the way docs/operating.md rolls back a stack: `berth:release`
 * pinned to the first release's images by digest, so `up` builds nothing and the hosts go back to
 * the first image.
 */
export function rollbackConfig(
  values: Record<string, unknown>,
  digest: string,
  proxyDigest: string,
): ConfigMap {
  return {
    "berth:release": {
      value: JSON.stringify({ ...record(values["berth:release"]), digest, proxyDigest }),
    },
  };
}
