import { z } from "zod";

/**
 * `berth:database`: the stack's managed PostgreSQL (RDS). The key's presence turns it on, and
 * `berth:database: {}` means every default. Pure: the schema, the per-stage defaults and the
 * connection-limit check, tested without the Pulumi runtime.
 */

/** PostgreSQL major versions berth creates (RDS picks the newest minor and upgrades it). */
export const ENGINE_VERSIONS = ["16", "17"] as const;
export type EngineVersion = (typeof ENGINE_VERSIONS)[number];

/**
 * The instance classes berth allows, with their memory in GiB (AWS's instance class table). The
 * memory is what RDS's default max_connections is computed from.
 */
export const INSTANCE_CLASS_MEMORY_GIB: Readonly<Record<string, number>> = {
  "db.t4g.micro": 1,
  "db.t4g.small": 2,
  "db.t4g.medium": 4,
  "db.t4g.large": 8,
  "db.t4g.xlarge": 16,
  "db.t4g.2xlarge": 32,
  "db.m7g.large": 8,
  "db.m7g.xlarge": 16,
  "db.m7g.2xlarge": 32,
  "db.m7g.4xlarge": 64,
  "db.r7g.large": 16,
  "db.r7g.xlarge": 32,
  "db.r7g.2xlarge": 64,
};
export const INSTANCE_CLASSES = Object.keys(INSTANCE_CLASS_MEMORY_GIB);

/** RDS's default for PostgreSQL: max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000). */
const BYTES_PER_CONNECTION = 9531392;
const MAX_CONNECTIONS_CAP = 5000;
/**
 * DBInstanceClassMemory is the class's memory less what the OS and RDS's own processes hold, so
 * the real limit is below the formula on the nominal memory (most on the small classes): the app
 * gets at most this share of the formula's figure.
 */
export const CONNECTION_HEADROOM = 0.2;
/**
 * Connections kept out of the app's budget: PostgreSQL's superuser_reserved_connections (3) and
 * RDS's rds.rds_superuser_reserved_connections (2), plus an operator's psql session through the
 * bastion, a dump or a monitoring agent.
 */
export const RESERVED_CONNECTIONS = 10;

/** RDS's default max_connections for an instance class (the formula on its nominal memory). */
export function defaultMaxConnections(instanceClass: string): number {
  const gib = INSTANCE_CLASS_MEMORY_GIB[instanceClass];
  if (gib === undefined) throw new Error(`unknown instance class ${instanceClass}`);
  return Math.min(Math.floor((gib * 1024 ** 3) / BYTES_PER_CONNECTION), MAX_CONNECTIONS_CAP);
}

/** The connections the app's containers may hold on an instance class. */
export function appConnectionBudget(instanceClass: string): number {
  return (
    Math.floor(defaultMaxConnections(instanceClass) * (1 - CONNECTION_HEADROOM)) -
    RESERVED_CONNECTIONS
  );
}

const wholeNumber = (min: number, max: number, why = "") => {
  const message = `must be a whole number from ${min} to ${max}${why}`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
};
const flag = z.boolean({ error: "must be true or false" });

/** gp3's storage range on RDS for PostgreSQL, in GiB. */
export const MIN_STORAGE_GIB = 20;
export const MAX_STORAGE_GIB = 65536;
/** RDS refuses a maxAllocatedStorage less than 10% above allocatedStorage. */
export const AUTOSCALING_MIN_GROWTH_PERCENT = 10;

export const databaseSchema = z.strictObject(
  {
    engineVersion: z
      .enum(ENGINE_VERSIONS, {
        error: `must be a current PostgreSQL major version: ${ENGINE_VERSIONS.map((v) => `"${v}"`).join(" or ")} (quote it in YAML)`,
      })
      .default("17")
      .describe(
        "PostgreSQL major version. RDS runs its newest minor version and upgrades minor versions in the maintenance window; a major upgrade is a change of this key.",
      ),
    instanceClass: z
      .enum(INSTANCE_CLASSES as [string, ...string[]], {
        error: `must be one of ${INSTANCE_CLASSES.join(", ")}`,
      })
      .default("db.t4g.micro")
      .describe(
        "RDS instance class. Its memory sets PostgreSQL's max_connections, which the app's pools must fit (see poolSize).",
      ),
    allocatedStorageGiB: wholeNumber(MIN_STORAGE_GIB, MAX_STORAGE_GIB)
      .default(20)
      .describe("Encrypted gp3 storage the instance starts with."),
    maxAllocatedStorageGiB: wholeNumber(MIN_STORAGE_GIB, MAX_STORAGE_GIB)
      .default(100)
      .describe(
        "Storage autoscaling's ceiling: RDS grows the storage up to this when it runs low. At least 10% above allocatedStorageGiB.",
      ),
    backupRetentionDays: wholeNumber(
      7,
      35,
      " (automated backups stay on: Security Hub FSBP RDS.11 asks for 7 days or more, RDS keeps 35 at most)",
    )
      .optional()
      .describe(
        "Days of automated backups (point-in-time restore). Default: 14 in production, 7 elsewhere.",
      ),
    multiAz: flag
      .optional()
      .describe(
        "A synchronous standby in a second zone that RDS fails over to. Default: true in production, false elsewhere.",
      ),
    deletionProtection: flag
      .optional()
      .describe(
        "RDS refuses to delete the instance until this is turned off; production also keeps a final snapshot on delete. Default: true in production, false elsewhere.",
      ),
    rdsProxy: flag
      .default(false)
      .describe(
        "Put an RDS Proxy (its own Secrets Manager secret and IAM role) between the app and the instance; DATABASE_URL then points at the proxy. For production stacks whose connections outgrow the instance.",
      ),
    passwordVersion: wholeNumber(1, 1000000)
      .default(1)
      .describe(
        "Raise it by one to rotate the master password: a new random password, set on the instance at once, and a new DATABASE_URL, which redeploys every host batch by batch.",
      ),
    poolSize: wholeNumber(1, 100)
      .default(5)
      .describe(
        "Connections each app container's pool holds at most (web and workers; the app gets it as DATABASE_POOL_SIZE). Without rdsProxy, poolSize × app containers × hosts must fit the instance's max_connections.",
      ),
  },
  {
    error:
      "must be a map (engineVersion, instanceClass, allocatedStorageGiB, maxAllocatedStorageGiB, backupRetentionDays, multiAz, deletionProtection, rdsProxy, passwordVersion, poolSize); {} for every default",
  },
);

/** `berth:database` as validated, before the per-stage defaults. */
export type DatabaseConfig = z.output<typeof databaseSchema>;

/** The database with every per-stage default resolved: what the component builds. */
export interface DatabaseSettings extends Required<DatabaseConfig> {
  /** Whether deleting the instance keeps a final snapshot (production). */
  finalSnapshot: boolean;
}

/**
 * Whether a stack is production for its defaults, read the way the policy pack reads it
 * (policy/lib/stage.ts): the stack name prod or production, or a berth:tags environment of
 * prod or production. The pack's production rules then pass on the defaults.
 */
export function isProductionStage(stack: string, tags: Record<string, string>): boolean {
  const environment = (tags.environment ?? "").toLowerCase();
  return ["prod", "production"].includes(stack) || ["prod", "production"].includes(environment);
}

/** The settings for one stage: production turns Multi-AZ, deletion protection and a final snapshot on. */
export function databaseSettings(config: DatabaseConfig, production: boolean): DatabaseSettings {
  return {
    ...config,
    backupRetentionDays: config.backupRetentionDays ?? (production ? 14 : 7),
    multiAz: config.multiAz ?? production,
    deletionProtection: config.deletionProtection ?? production,
    finalSnapshot: production,
  };
}

/** What the app's containers hold at a deploy's peak. */
export interface ConnectionDemand {
  hosts: number;
  /** Worker containers per host (0: none). */
  workers: number;
  /** Whether a release command runs (once per rollout, beside the running release). */
  releaseCommand: boolean;
}

/**
 * Connections the app may hold at once: during a deploy the new web container and workers run
 * beside the old ones on a host, so each host holds two of each; the release command holds one
 * more pool on the first host.
 */
export function peakConnections(poolSize: number, demand: ConnectionDemand): number {
  const containersPerHost = 2 * (1 + demand.workers);
  return poolSize * containersPerHost * demand.hosts + (demand.releaseCommand ? poolSize : 0);
}

/** The largest pool size that fits a budget, or 0 when not even one connection per container does. */
function largestFittingPool(budget: number, demand: ConnectionDemand): number {
  const perPool = peakConnections(1, demand);
  return Math.max(0, Math.floor(budget / perPool));
}

/** The smallest allowed instance class whose budget fits the demand, or undefined. */
function smallestFittingClass(needed: number): string | undefined {
  return [...INSTANCE_CLASSES]
    .sort((a, b) => appConnectionBudget(a) - appConnectionBudget(b))
    .find((c) => appConnectionBudget(c) >= needed);
}

/**
 * One line when the app's pools do not fit the instance's connection limit, naming the numbers
 * and the fixes; undefined when they fit or an RDS Proxy multiplexes the app's connections.
 */
export function connectionLimitProblem(
  database: Pick<DatabaseConfig, "instanceClass" | "poolSize" | "rdsProxy">,
  demand: ConnectionDemand,
): string | undefined {
  if (database.rdsProxy) return undefined;
  const needed = peakConnections(database.poolSize, demand);
  const budget = appConnectionBudget(database.instanceClass);
  if (needed <= budget) return undefined;
  const containers = 2 * (1 + demand.workers);
  const release = demand.releaseCommand ? ` + ${database.poolSize} for the release command` : "";
  const fixes: string[] = [];
  const pool = largestFittingPool(budget, demand);
  if (pool >= 1) fixes.push(`lower berth:database.poolSize to ${pool}`);
  const bigger = smallestFittingClass(needed);
  if (bigger)
    fixes.push(`set berth:database.instanceClass to ${bigger} (${appConnectionBudget(bigger)})`);
  fixes.push("turn on berth:database.rdsProxy");
  return (
    `berth:database.poolSize ${database.poolSize} × ${containers} app containers per host at a deploy's peak ` +
    `(web and ${demand.workers} worker(s), old and new side by side) × ${demand.hosts} host(s)${release} = ${needed} connections, ` +
    `more than the ${budget} berth:database.instanceClass ${database.instanceClass} leaves the app ` +
    `(max_connections ${defaultMaxConnections(database.instanceClass)}, less ${CONNECTION_HEADROOM * 100}% headroom and ${RESERVED_CONNECTIONS} reserved); ` +
    `${fixes.join(", or ")} (got poolSize ${database.poolSize})`
  );
}

/** Cross-key problems of `berth:database` that the field schemas cannot see. */
export function databaseStorageProblem(config: DatabaseConfig): string | undefined {
  // In whole numbers: 100 * 1.1 is 110.00000000000001 in floating point.
  const least = Math.ceil(
    (config.allocatedStorageGiB * (100 + AUTOSCALING_MIN_GROWTH_PERCENT)) / 100,
  );
  if (config.maxAllocatedStorageGiB >= least) return undefined;
  return `berth:database.maxAllocatedStorageGiB must be at least 10% above allocatedStorageGiB (${config.allocatedStorageGiB}), so at least ${least}, for storage autoscaling (got ${config.maxAllocatedStorageGiB})`;
}
