import * as aws from "@pulumi/aws";
import {
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { fsbp } from "../lib/metadata";
import { ofType, read, referenced } from "../lib/stack";
import { applyInProductionOnly, stageSettings } from "../lib/stage";

/*
 * RDS instances (berth:database). Resource rules read the instance's own inputs; TLS needs the
 * instance's parameter group, so it is a stack rule that finds the group by reference.
 */

export const rdsNotPubliclyAccessible: ResourceValidationPolicy = {
  name: "rds-not-publicly-accessible",
  description:
    "RDS DB instances are not publicly accessible: no public address, reachable only inside the VPC " +
    "(Security Hub FSBP RDS.2).",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp(
    "RDS.2",
    "RDS DB Instances should prohibit public access, as determined by the PubliclyAccessible configuration",
  ),
  remediationSteps: "Set publiclyAccessible: false (or leave it unset) on the instance.",
  validateResource: validateResourceOfType(aws.rds.Instance, (db, _args, reportViolation) => {
    if (db.publiclyAccessible === true)
      reportViolation("publiclyAccessible is true; the database would get a public address.");
  }),
};

export const rdsStorageEncrypted: ResourceValidationPolicy = {
  name: "rds-storage-encrypted",
  description:
    "RDS DB instances encrypt their storage, automated backups, snapshots and logs at rest " +
    "(storageEncrypted = true; it cannot be turned on later without a restore) (Security Hub FSBP RDS.3).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("RDS.3", "RDS DB instances should have encryption at-rest enabled"),
  remediationSteps: "Set storageEncrypted: true on the instance.",
  validateResource: validateResourceOfType(aws.rds.Instance, (db, _args, reportViolation) => {
    if (db.storageEncrypted !== true)
      reportViolation("storageEncrypted is not true; the database would be stored unencrypted.");
  }),
};

const multiAzConfig = ruleConfig("rds-multi-az-in-production", { ...stageSettings });

export const rdsMultiAzInProduction: ResourceValidationPolicy = {
  name: "rds-multi-az-in-production",
  description:
    "In production stacks, RDS DB instances keep a synchronous standby in a second availability zone " +
    "(multiAz = true), so the loss of a zone or a host fails over instead of taking the app's data " +
    "offline (Security Hub FSBP RDS.5).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp(
    "RDS.5",
    "RDS DB instances should be configured with multiple Availability Zones",
  ),
  configSchema: multiAzConfig.configSchema,
  remediationSteps:
    "Set multiAz: true for production (berth: leave berth:database.multiAz unset or true).",
  validateResource: validateResourceOfType(aws.rds.Instance, (db, args, reportViolation) => {
    applyInProductionOnly(args, multiAzConfig.read(args));
    if (db.multiAz !== true)
      reportViolation("production database has multiAz unset or false; one zone holds it all.");
  }),
};

const deletionConfig = ruleConfig("rds-deletion-protection-in-production", { ...stageSettings });

export const rdsDeletionProtectionInProduction: ResourceValidationPolicy = {
  name: "rds-deletion-protection-in-production",
  description:
    "In production stacks, RDS DB instances have deletion protection on, so a mistaken destroy or " +
    "replacement cannot delete the app's data (Security Hub FSBP RDS.8).",
  enforcementLevel: "mandatory",
  severity: "low",
  framework: fsbp("RDS.8", "RDS DB instances should have deletion protection enabled"),
  configSchema: deletionConfig.configSchema,
  remediationSteps:
    "Set deletionProtection: true for production (berth: leave berth:database.deletionProtection unset or true).",
  validateResource: validateResourceOfType(aws.rds.Instance, (db, args, reportViolation) => {
    applyInProductionOnly(args, deletionConfig.read(args));
    if (db.deletionProtection !== true)
      reportViolation("production database has deletionProtection unset or false.");
  }),
};

const backupConfig = ruleConfig("rds-automated-backups", {
  minRetentionDays: z
    .number()
    .int()
    .min(1)
    .max(35)
    .default(7)
    .describe(
      "Fewest days of automated backups (backupRetentionPeriod) an instance keeps; FSBP RDS.11's default is 7.",
    ),
});

export const rdsAutomatedBackups: ResourceValidationPolicy = {
  name: "rds-automated-backups",
  description:
    "RDS DB instances keep automated backups (point-in-time restore) for at least minRetentionDays " +
    "(7) days; AWS's API default is 1 day, so the period must be set (Security Hub FSBP RDS.11).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("RDS.11", "RDS instances should have automatic backups enabled"),
  configSchema: backupConfig.configSchema,
  remediationSteps:
    "Set backupRetentionPeriod to 7 or more days (berth: berth:database.backupRetentionDays).",
  validateResource: validateResourceOfType(aws.rds.Instance, (db, args, reportViolation) => {
    const { minRetentionDays } = backupConfig.read(args);
    const days = db.backupRetentionPeriod;
    if (days === undefined)
      reportViolation(
        `backupRetentionPeriod is unset (AWS keeps 1 day); set at least ${minRetentionDays}.`,
      );
    else if (days < minRetentionDays)
      reportViolation(
        `backupRetentionPeriod is ${days} day(s); keep at least ${minRetentionDays}${days === 0 ? " (0 turns automated backups off)" : ""}.`,
      );
  }),
};

export const rdsAutoMinorVersionUpgrade: ResourceValidationPolicy = {
  name: "rds-auto-minor-version-upgrade",
  description:
    "RDS DB instances take minor engine versions (security fixes) in their maintenance window: " +
    "autoMinorVersionUpgrade is not turned off (AWS's default is on) (Security Hub FSBP RDS.13).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("RDS.13", "RDS automatic minor version upgrades should be enabled"),
  remediationSteps: "Set autoMinorVersionUpgrade: true (or leave it unset).",
  validateResource: validateResourceOfType(aws.rds.Instance, (db, _args, reportViolation) => {
    if (db.autoMinorVersionUpgrade === false)
      reportViolation("autoMinorVersionUpgrade is false; security fixes would wait for a person.");
  }),
};

/** The CloudWatch Logs exports an engine must publish: FSBP RDS.9's list for each. */
const REQUIRED_LOG_EXPORTS: Record<string, string[]> = {
  postgres: ["postgresql", "upgrade"],
  mysql: ["audit", "error", "general", "slowquery"],
  mariadb: ["audit", "error", "general", "slowquery"],
};

export const rdsLogsExported: ResourceValidationPolicy = {
  name: "rds-logs-exported",
  description:
    "RDS DB instances publish their engine's logs to CloudWatch Logs (PostgreSQL: postgresql and upgrade), " +
    "so errors, slow queries and failed logins outlive the instance and can be searched and alarmed on " +
    "(Security Hub FSBP RDS.9).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("RDS.9", "RDS DB instances should publish logs to CloudWatch Logs"),
  remediationSteps:
    'Set enabledCloudwatchLogsExports: ["postgresql", "upgrade"] on a PostgreSQL instance.',
  validateResource: validateResourceOfType(aws.rds.Instance, (db, args, reportViolation) => {
    const required = REQUIRED_LOG_EXPORTS[db.engine ?? ""];
    if (!required) {
      args.notApplicable(`no log list for engine "${db.engine ?? "(unset)"}"`);
      return;
    }
    const exported = db.enabledCloudwatchLogsExports ?? [];
    const missing = required.filter((log) => !exported.includes(log));
    if (missing.length > 0)
      reportViolation(`enabledCloudwatchLogsExports lacks ${missing.join(", ")}.`);
  }),
};

/** The value a parameter group sets for `name`, or undefined. */
function parameterValue(group: PolicyResource, name: string): string | undefined {
  const parameters = read(group, "parameters");
  if (!Array.isArray(parameters)) return undefined;
  for (const parameter of parameters as unknown[]) {
    const p = parameter as { name?: unknown; value?: unknown };
    if (p.name === name) return String(p.value);
  }
  return undefined;
}

export const rdsTlsEnforced: StackValidationPolicy = {
  name: "rds-tls-enforced",
  description:
    "Every PostgreSQL RDS instance uses a parameter group of the stack that sets rds.force_ssl = 1, so " +
    "the server refuses connections without TLS; the default parameter group cannot be checked or " +
    "changed and so does not count.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Create an aws.rds.ParameterGroup with { name: "rds.force_ssl", value: "1" } and set the instance\'s parameterGroupName to it.',
  validateStack: (args, reportViolation) => {
    const instances = ofType(args.resources, aws.rds.Instance).filter(
      (db) => read(db, "engine") === "postgres",
    );
    if (instances.length === 0) args.notApplicable("no PostgreSQL RDS instances in this stack");
    const groups = ofType(args.resources, aws.rds.ParameterGroup);
    for (const db of instances) {
      const own = referenced(db, "parameterGroupName", groups);
      if (own.length === 0) {
        reportViolation(
          `RDS instance "${db.name}" uses no parameter group of this stack; rds.force_ssl is not set to 1.`,
          db.urn,
        );
        continue;
      }
      if (!own.some((group) => parameterValue(group, "rds.force_ssl") === "1")) {
        reportViolation(
          `RDS instance "${db.name}"'s parameter group does not set rds.force_ssl = 1; connections without TLS are accepted.`,
          db.urn,
        );
      }
    }
  },
};
