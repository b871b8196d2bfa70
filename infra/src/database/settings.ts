import { z } from "zod";
import { INSTANCE_CLASSES } from "./connections";

/**
 * `berth:database`: the stack's managed PostgreSQL (RDS). The key's presence turns it on, and
 * `berth:database: {}` means every default. Pure: the schema, the per-stage defaults and the
 * storage check (the connection budget is in connections.ts), tested without the Pulumi runtime.
 */

/** PostgreSQL major versions berth creates (RDS picks the newest minor and upgrades it). */
export const ENGINE_VERSIONS = ["16", "17"] as const;
export type EngineVersion = (typeof ENGINE_VERSIONS)[number];

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

/** Cross-key problems of `berth:database` that the field schemas cannot see. */
export function databaseStorageProblem(config: DatabaseConfig): string | undefined {
  // In whole numbers: 100 * 1.1 is 110.00000000000001 in floating point.
  const least = Math.ceil(
    (config.allocatedStorageGiB * (100 + AUTOSCALING_MIN_GROWTH_PERCENT)) / 100,
  );
  if (config.maxAllocatedStorageGiB >= least) return undefined;
  return `berth:database.maxAllocatedStorageGiB must be at least 10% above allocatedStorageGiB (${config.allocatedStorageGiB}), so at least ${least}, for storage autoscaling (got ${config.maxAllocatedStorageGiB})`;
}
