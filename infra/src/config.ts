import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { STACK_NAME } from "./agent/contract";
import { RELEASE_GUARD_DEFAULTS, matching, specFields, wholeNumber } from "./agent/specSchema";
import { networkOf, parseCidr } from "./cidr";
import { domainNameProblem, domainProblems } from "./domain";
import { LOG_RETENTION_DAYS } from "./appLogs";
import { keyPairProblem } from "./sshKeys";
import { JOB_NAME, cronProblem } from "./schedule";
import { databaseConfigProblems } from "./database/configProblems";
import { DatabaseConfig, databaseSchema } from "./database/settings";

/**
 * The stack's settings, from `Pulumi.<stack>.yaml` (namespace `berth:`, plus `aws:region`).
 * One schema, read once by {@link loadStackConfig}; components get the typed result.
 * Structured keys are set with `--path`, e.g. `pulumi config set --path hosts.count 2`.
 * Secrets never go in the committed yaml in plain text:
 *   pulumi config set --secret berth:sshPrivateKey < ~/.ssh/berth_staging
 *   pulumi config set --secret --path 'secretEnv.DATABASE_URL' 'postgres://...'
 */

/** A config error: its message is the whole story (key, value, what is allowed), no stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
    // Thrown inside an output (a check at deploy time), the same error reaches every resource
    // that depends on it, and the SDK prefixes its message each time ('error serializing property
    // "vpcId": ...'); the message stays as written.
    Object.defineProperty(this, "message", { get: () => message, set: () => undefined });
  }
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ZONE = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const SSH_PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( \S.*)?$/;
// No ssh-rsa: pinned to an RSA key, the SSH provider verifies the host with ssh-rsa (SHA-1)
// signatures, which Amazon Linux 2023's crypto policy refuses.
const SSH_HOST_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}$/;
const SSH_RSA_KEY = /^ssh-rsa [A-Za-z0-9+/]+={0,3}$/;
const PRIVATE_KEY =
  /^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\n[\s\S]+\n-----END ([A-Z]+ )?PRIVATE KEY-----\n?$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/;
/** The account id AWS's documentation uses; in an ARN it marks a placeholder. */
const AWS_EXAMPLE_ACCOUNT = "123456789012";
const AMI = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** Tags a stack may set: AWS's 50 per resource, less the ones berth adds itself. */
const MAX_STACK_TAGS = 44;

/** Keys whose values are never echoed in an error message. */
const SECRET_KEYS = new Set(["berth:sshPrivateKey", "berth:secretEnv"]);

const cidr = z.string({ error: "must be an IPv4 CIDR like 10.0.0.0/16" }).superRefine((v, ctx) => {
  if (parseCidr(v)) return;
  const network = networkOf(v);
  ctx.addIssue({
    code: "custom",
    message: network
      ? `has host bits set; use the network address ${network}`
      : "must be an IPv4 CIDR like 10.0.0.0/16",
    input: v,
  });
});

/**
 * The ALB -> nginx timeout chain. nginx's client keep-alive (CLIENT_KEEPALIVE_SECONDS in the
 * hosts' proxy env file, read by nginx/entrypoint.sh) is the ALB idle timeout plus this margin:
 * the ALB must always be the side that closes an idle connection, or it may send a request on
 * one nginx is closing and answer 502.
 */
export const KEEPALIVE_MARGIN_SECONDS = 15;
/** The largest CLIENT_KEEPALIVE_SECONDS nginx/entrypoint.sh accepts (an idle connection holds one
 * of nginx's worker_connections). */
export const NGINX_MAX_KEEPALIVE_SECONDS = 3600;
/** The largest ALB idle timeout that nginx's keep-alive stays above. */
export const MAX_IDLE_TIMEOUT_SECONDS = NGINX_MAX_KEEPALIVE_SECONDS - KEEPALIVE_MARGIN_SECONDS;

/** nginx's client keep-alive for an ALB idle timeout. */
export function nginxClientKeepaliveSeconds(idleTimeoutSeconds: number): number {
  return idleTimeoutSeconds + KEEPALIVE_MARGIN_SECONDS;
}

const idleTimeoutMessage = `must be a whole number from 1 to ${MAX_IDLE_TIMEOUT_SECONDS}, so that nginx's client keep-alive (this + ${KEEPALIVE_MARGIN_SECONDS} s, at most ${NGINX_MAX_KEEPALIVE_SECONDS} s) stays above it`;
const idleTimeoutSeconds = z
  .number({ error: idleTimeoutMessage })
  .int({ error: idleTimeoutMessage })
  .min(1, { error: idleTimeoutMessage })
  .max(MAX_IDLE_TIMEOUT_SECONDS, { error: idleTimeoutMessage });

const hostKeyMessage = 'must be an ed25519 or ECDSA host public key line ("ssh-ed25519 AAAA...")';
const hostKey = z.string({ error: hostKeyMessage }).superRefine((v, ctx) => {
  if (SSH_HOST_KEY.test(v)) return;
  ctx.addIssue({
    code: "custom",
    message: SSH_RSA_KEY.test(v)
      ? `must be the host's ed25519 or ECDSA key, not RSA: the SSH provider verifies an RSA host key with ssh-rsa (SHA-1) signatures, which Amazon Linux 2023 refuses; pin the "ssh-ed25519 AAAA..." line of aws ec2 get-console-output --latest --instance-id ID`
      : hostKeyMessage,
    input: v,
  });
});

const domainName = (wildcard: boolean) =>
  z
    .string({ error: "must be a lowercase domain name like app.example.com" })
    .superRefine((v, ctx) => {
      const problem = domainNameProblem(v, wildcard);
      if (problem) ctx.addIssue({ code: "custom", message: problem, input: v });
    });

// What SNS accepts as an email endpoint, roughly: one @, no spaces, a dotted domain.
const EMAIL = /^[^@\s"<>(),;:]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i;

const percent = (fallback: number, what: string) =>
  z
    .number({ error: "must be a number from 1 to 100" })
    .min(1, { error: "must be a number from 1 to 100" })
    .max(100, { error: "must be a number from 1 to 100" })
    .default(fallback)
    .describe(what);

/** berth:alarms' defaults: what a stack that says only `enabled: true` gets. */
export const ALARM_DEFAULTS = {
  emails: [] as string[],
  elb5xxPercent: 5,
  target5xxPercent: 5,
  minRequests: 20,
  unhealthyHosts: 1,
  p99Seconds: 2,
  cpuPercent: 85,
  memoryPercent: 90,
  diskPercent: 85,
  evaluationMinutes: 5,
};

const commandArgv = specFields.commandArgv;
const envMap = specFields.env;

const rawSchema = z.strictObject({
  "aws:region": matching(REGION, "must be an AWS region like eu-west-1"),
  "berth:app": specFields.app,
  "berth:network": z.strictObject(
    {
      vpcCidr: cidr.default("10.0.0.0/16"),
      availabilityZones: z
        .array(matching(ZONE, "must be an availability zone like eu-west-1a"), {
          error: "must be a list of at least 2 availability zones",
        })
        .min(2, { error: "must list at least 2 availability zones (an ALB needs two)" })
        .max(6, { error: "must list at most 6 availability zones" }),
      hostSubnets: z.enum(["public", "private"], { error: "must be public or private" }),
      egress: z
        .enum(["single-nat", "nat-per-zone", "endpoints"], {
          error: "must be single-nat, nat-per-zone or endpoints",
        })
        .optional(),
      trustedProxyCidr: cidr
        .refine((v) => parseCidr(v)?.prefix !== 0, {
          error:
            "must not trust the whole internet: nginx would take any client's X-Forwarded-For as its address; use the VPC's CIDR (the default)",
        })
        .optional(),
    },
    { error: "must be a map (vpcCidr, availabilityZones, hostSubnets, egress, trustedProxyCidr)" },
  ),
  "berth:hosts": z.strictObject(
    {
      count: wholeNumber(1, 50),
      instanceType: matching(INSTANCE_TYPE, "must be an EC2 instance type like t3.small"),
      rootVolumeGiB: wholeNumber(8, 1024).default(20),
      ami: matching(AMI, "must be an AMI id like ami-0123456789abcdef0").optional(),
    },
    { error: "must be a map (count, instanceType, rootVolumeGiB, ami)" },
  ),
  "berth:ssh": z.strictObject(
    {
      allowedCidrs: z
        .array(cidr, { error: "must be a list of CIDRs like 203.0.113.10/32" })
        .min(1, { error: "must list at least one CIDR like 203.0.113.10/32" }),
      publicKey: matching(
        SSH_PUBLIC_KEY,
        'must be an OpenSSH public key line ("ssh-ed25519 AAAA...")',
      ),
      /**
       * Overrides of the host keys the program generates and pins (hostKeys.ts): only for a host
       * or bastion created before berth generated keys, which keeps the key it made itself (its
       * console output shows it: aws ec2 get-console-output --latest --instance-id ID). Remove the
       * entry when that machine is replaced: the new instance installs the generated key.
       */
      hostKeys: z
        .record(
          matching(/^(host-[1-9]\d*|bastion)$/, "must be host-1, host-2, ... or bastion"),
          hostKey,
          { error: "must be a map of host-N or bastion: host public key" },
        )
        .default({})
        .describe(
          "Overrides, per host-N or bastion, of the SSH host key the program generates and pins: only for a machine created before berth generated keys (its key from aws ec2 get-console-output). Remove the entry when the machine is replaced.",
        ),
    },
    { error: "must be a map (allowedCidrs, publicKey, hostKeys)" },
  ),
  "berth:sshPrivateKey": matching(
    PRIVATE_KEY,
    "must be an unencrypted OpenSSH private key (what ssh-keygen writes; PKCS#1 and SEC1 PEM also work, PKCS#8 does not); set it with: pulumi config set --secret berth:sshPrivateKey < KEYFILE",
  ),
  "berth:bastion": z
    .strictObject(
      {
        enabled: z.boolean({ error: "must be true or false" }),
        instanceType: matching(INSTANCE_TYPE, "must be an EC2 instance type like t3.nano").default(
          "t3.nano",
        ),
      },
      { error: "must be a map (enabled, instanceType)" },
    )
    .default({ enabled: false, instanceType: "t3.nano" }),
  "berth:web": z
    .strictObject(
      {
        port: specFields.port.default(3000),
        healthPath: specFields.healthPath.default("/healthz"),
        command: commandArgv.nullable().default(null),
      },
      { error: "must be a map (port, healthPath, command)" },
    )
    .default({ port: 3000, healthPath: "/healthz", command: null }),
  "berth:worker": z
    .strictObject(
      {
        command: commandArgv.default(["node", "dist/worker.js"]),
        count: specFields.workerCount.default(1),
      },
      { error: "must be a map (command, count)" },
    )
    .default({ command: ["node", "dist/worker.js"], count: 1 }),
  "berth:release": z
    .strictObject(
      {
        command: commandArgv.nullable().default(null),
        digest: specFields.imageByDigest.optional(),
        proxyDigest: specFields.imageByDigest.optional(),
        batchSize: wholeNumber(1, 50).default(1),
        healthSeconds: specFields.healthSeconds.default(60),
        drainSeconds: specFields.drainSeconds.default(10),
        stopSeconds: specFields.stopSeconds.default(30),
        keepReleases: specFields.keepReleases.default(3),
        smokePaths: specFields.smokePaths.default(RELEASE_GUARD_DEFAULTS.smokePaths),
        smokeStatuses: specFields.smokeStatuses.default(RELEASE_GUARD_DEFAULTS.smokeStatuses),
        bakeSeconds: specFields.bakeSeconds.default(RELEASE_GUARD_DEFAULTS.bakeSeconds),
        maxErrorRate: specFields.maxErrorRate.default(RELEASE_GUARD_DEFAULTS.maxErrorRate),
      },
      {
        error:
          "must be a map (command, digest, proxyDigest, batchSize, healthSeconds, drainSeconds, stopSeconds, keepReleases, smokePaths, smokeStatuses, bakeSeconds, maxErrorRate)",
      },
    )
    .default({
      command: null,
      batchSize: 1,
      healthSeconds: 60,
      drainSeconds: 10,
      stopSeconds: 30,
      keepReleases: 3,
      ...RELEASE_GUARD_DEFAULTS,
    }),
  "berth:env": envMap.default({}),
  "berth:secretEnv": envMap.default({}),
  // Checked here in one line per job: the name, the expression (cron-parser, UTC) and the command.
  "berth:schedule": z
    .array(
      z.strictObject(
        {
          name: matching(
            JOB_NAME,
            "must be 1-31 lowercase letters, digits or dashes, starting with a letter",
          ),
          cron: z
            .string({ error: 'must be a cron expression like "*/15 * * * *" (UTC)' })
            .superRefine((cron, ctx) => {
              const problem = cronProblem(cron);
              if (problem) ctx.addIssue({ code: "custom", message: problem });
            }),
          command: commandArgv,
        },
        {
          error:
            'must be a map (name, cron, command) like {name: "cleanup", cron: "0 3 * * *", command: ["node", "dist/cleanup.js"]}',
        },
      ),
      { error: "must be a list of jobs (name, cron, command)" },
    )
    .max(20, { error: "must hold at most 20 jobs" })
    .refine((jobs) => new Set(jobs.map((j) => j.name)).size === jobs.length, {
      error: "must not repeat a job name",
    })
    .default([]),
  "berth:loadBalancer": z
    .strictObject(
      {
        certificateArn: matching(
          CERTIFICATE_ARN,
          "must be an ACM certificate ARN like arn:aws:acm:REGION:ACCOUNT:certificate/UUID",
        ).optional(),
        deletionProtection: z.boolean({ error: "must be true or false" }).default(false),
        idleTimeoutSeconds: idleTimeoutSeconds.default(60),
      },
      { error: "must be a map (certificateArn, deletionProtection, idleTimeoutSeconds)" },
    )
    .default({ deletionProtection: false, idleTimeoutSeconds: 60 }),
  "berth:domain": z
    .strictObject(
      {
        name: domainName(false).describe(
          "The app's host name (app.example.com): the certificate's domain, an A alias record at the ALB and the url output. Not a wildcard.",
        ),
        zone: domainName(false).describe(
          "Name of the public Route 53 hosted zone (in the deploying account) that holds name and every alternative name; the validation and alias records go there.",
        ),
        alternativeNames: z
          .array(domainName(true), { error: "must be a list of domain names" })
          .default([])
          .describe(
            "More names on the certificate (at most 9), each inside zone; a wildcard *.x covers one label under x, not x itself. Non-wildcard names also get an A alias record.",
          ),
      },
      { error: "must be a map (name, zone, alternativeNames)" },
    )
    .optional()
    .describe(
      "A domain with TLS: an ACM certificate validated through DNS in the zone, on the HTTPS listener, with HTTP redirected to HTTPS. Excludes berth:loadBalancer.certificateArn.",
    ),
  "berth:alarms": z
    .strictObject(
      {
        enabled: z
          .boolean({ error: "must be true or false" })
          .describe(
            "CloudWatch alarms on the ALB and every host, an SNS topic that mails them, the CloudWatch agent on the hosts (memory, disk) and a dashboard.",
          ),
        emails: z
          .array(
            z
              .string({ error: "must be an email address like ops@example.com" })
              .regex(EMAIL, { error: "must be an email address like ops@example.com" }),
            { error: "must be a list of email addresses" },
          )
          .max(20, { error: "must list at most 20 addresses" })
          .refine((list) => new Set(list.map((e) => e.toLowerCase())).size === list.length, {
            error: "must not list an address twice",
          })
          .default(ALARM_DEFAULTS.emails)
          .describe(
            "Addresses subscribed to the alarm topic (each confirms once, from the mail AWS sends). Empty: the alarms notify no one, `up` says so, and the policy pack refuses it in production.",
          ),
        elb5xxPercent: percent(
          ALARM_DEFAULTS.elb5xxPercent,
          "Alarm when the ALB's own 5xx (no healthy host, a refused connection) exceed this % of requests.",
        ),
        target5xxPercent: percent(
          ALARM_DEFAULTS.target5xxPercent,
          "Alarm when the app's 5xx exceed this % of requests.",
        ),
        minRequests: wholeNumber(1, 100000)
          .default(ALARM_DEFAULTS.minRequests)
          .describe(
            "A minute with fewer requests never breaches a 5xx share (one failed request of three is not an outage).",
          ),
        unhealthyHosts: wholeNumber(1, 50)
          .default(ALARM_DEFAULTS.unhealthyHosts)
          .describe("Alarm when at least this many hosts fail the ALB's health check."),
        p99Seconds: z
          .number({ error: "must be a number of seconds from 0.01 to 60" })
          .min(0.01, { error: "must be a number of seconds from 0.01 to 60" })
          .max(60, { error: "must be a number of seconds from 0.01 to 60" })
          .default(ALARM_DEFAULTS.p99Seconds)
          .describe("Alarm when the 99th percentile of the app's response time exceeds this."),
        cpuPercent: percent(
          ALARM_DEFAULTS.cpuPercent,
          "Alarm when a host's average CPU exceeds this.",
        ),
        memoryPercent: percent(
          ALARM_DEFAULTS.memoryPercent,
          "Alarm when a host's used memory exceeds this % (CloudWatch agent).",
        ),
        diskPercent: percent(
          ALARM_DEFAULTS.diskPercent,
          "Alarm when a host's root file system is fuller than this % (CloudWatch agent).",
        ),
        evaluationMinutes: wholeNumber(1, 60)
          .default(ALARM_DEFAULTS.evaluationMinutes)
          .describe(
            "Consecutive minutes a value must breach before its alarm fires (status checks: 2; CPU: in 5-minute periods).",
          ),
      },
      {
        error:
          "must be a map (enabled, emails, elb5xxPercent, target5xxPercent, minRequests, unhealthyHosts, p99Seconds, cpuPercent, memoryPercent, diskPercent, evaluationMinutes)",
      },
    )
    .default({ enabled: false, ...ALARM_DEFAULTS }),
  "berth:appLogs": z
    .strictObject(
      {
        enabled: z
          .boolean({ error: "must be true or false" })
          .describe(
            "The app's containers (web, workers, the release command) log to CloudWatch Logs through docker's awslogs driver: one group per process type, /berth/<app>/<stack>/<process>, one stream per host and container. The local fleet keeps json-file.",
          ),
        retentionInDays: z
          .number({ error: `must be one of ${LOG_RETENTION_DAYS.join(", ")}` })
          .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
            error: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
          })
          .default(30)
          .describe("Days CloudWatch Logs keeps each event of the app's log groups."),
      },
      { error: "must be a map (enabled, retentionInDays)" },
    )
    .default({ enabled: false, retentionInDays: 30 }),
  "berth:logs": z
    .strictObject(
      {
        enabled: z.boolean({ error: "must be true or false" }),
        retentionDays: wholeNumber(1, 3650).default(90),
      },
      { error: "must be a map (enabled, retentionDays)" },
    )
    .default({ enabled: false, retentionDays: 90 }),
  "berth:image": z
    .strictObject(
      { keepImages: wholeNumber(1, 1000).default(30) },
      { error: "must be a map (keepImages)" },
    )
    .default({ keepImages: 30 }),
  // AWS allows 50 tags per resource; berth adds up to 6 of its own (Name, berth:app, berth:stack,
  // managed-by, and berth:tier or berth:host). Keys and values use the character set ELB and IAM
  // accept (the strictest of the services berth tags); `aws:` is reserved in any case.
  "berth:tags": z
    .record(
      z.string().regex(/^(?![aA][wW][sS]:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, {
        error:
          "must be a tag key of 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws:",
      }),
      z
        .string({ error: "must be a string" })
        .max(256, { error: "must be at most 256 characters" })
        .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, {
          error: "must be letters, digits, spaces or _ . : / = + - @ only",
        }),
      { error: "must be a map of tag: value" },
    )
    .refine((tags) => Object.keys(tags).length <= MAX_STACK_TAGS, {
      error: `must hold at most ${MAX_STACK_TAGS} tags (AWS allows 50 per resource and berth adds up to ${50 - MAX_STACK_TAGS})`,
    })
    .default({}),
  // Present (even as {}) turns the stack's managed PostgreSQL on; see database/settings.ts.
  "berth:database": databaseSchema.optional(),
});

/** The schema itself, for the generated config reference (infra/tools/config-reference.ts). */
export const stackConfigSchema = rawSchema;

type RawConfig = z.output<typeof rawSchema>;

/** The validated stack config handed to the components. */
export interface StackConfig {
  region: string;
  app: string;
  network: Omit<RawConfig["berth:network"], "egress" | "trustedProxyCidr"> & {
    /** Where hosts egress in a private layout; "internet" when hosts sit in public subnets. */
    egress: "single-nat" | "nat-per-zone" | "endpoints" | "internet";
    trustedProxyCidr: string;
  };
  hosts: RawConfig["berth:hosts"];
  ssh: RawConfig["berth:ssh"];
  /** Plain here; the program wraps it in `pulumi.secret` before any resource sees it. */
  sshPrivateKey: string;
  bastion: RawConfig["berth:bastion"];
  web: RawConfig["berth:web"];
  /** null when worker.count is 0. */
  worker: { command: string[]; count: number } | null;
  release: RawConfig["berth:release"];
  /** Jobs the rollout's first host runs on a schedule, each as a one-off container of the release. */
  schedule: RawConfig["berth:schedule"];
  env: Record<string, string>;
  /** Plain here; the program wraps it in `pulumi.secret` before any resource sees it. */
  secretEnv: Record<string, string>;
  loadBalancer: RawConfig["berth:loadBalancer"];
  /** A domain with a certificate berth requests and validates itself, or undefined. */
  domain: RawConfig["berth:domain"];
  /** CloudWatch alarms, their topic, the hosts' CloudWatch agent and the dashboard. */
  alarms: RawConfig["berth:alarms"];
  /** The app's container logs in CloudWatch Logs. */
  appLogs: RawConfig["berth:appLogs"];
  /** ALB access logs and VPC flow logs to an S3 bucket the stack owns. */
  logs: RawConfig["berth:logs"];
  image: RawConfig["berth:image"];
  tags: Record<string, string>;
  /** The managed PostgreSQL, before its per-stage defaults (database/settings.ts); null when off. */
  database: DatabaseConfig | null;
}

function show(key: string, input: unknown): string {
  if (input === undefined) return "nothing";
  if (SECRET_KEYS.has(key)) return "a value not shown because it is secret";
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function keyOf(path: readonly PropertyKey[]): string {
  let key = String(path[0] ?? "");
  for (const part of path.slice(1))
    key += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return key;
}

const TOP_LEVEL_KEYS = Object.keys(rawSchema.shape);

/** Keys of the (possibly optional/defaulted) object schema at `path`, for "allowed:" hints. */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return TOP_LEVEL_KEYS;
  let schema: unknown = rawSchema.shape[path[0] as keyof typeof rawSchema.shape];
  for (;;) {
    const def = (
      schema as { _zod?: { def?: { innerType?: unknown; shape?: Record<string, unknown> } } }
    )?._zod?.def;
    if (def?.shape) return Object.keys(def.shape);
    if (!def?.innerType) return [];
    schema = def.innerType;
  }
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    const where = keyOf(issue.path);
    const allowed = allowedKeysAt(issue.path).join(", ");
    return issue.keys
      .map((k) => {
        if (issue.path.length === 0 && k.startsWith("berth:") && k.includes(".")) {
          const path = k.slice("berth:".length);
          return `${k} is not a key: set nested values with --path, e.g. pulumi config set --path '${path}' VALUE`;
        }
        const full = where ? `${where}.${k}` : k;
        // Never the value: a mistyped key (berth:secretsEnv) may hold a secret Pulumi would
        // mask only in full, not cut or quoted.
        return `${full} is not a known key; allowed: ${allowed}`;
      })
      .join("\n");
  }
  const key = keyOf(issue.path);
  const secretRoot = String(issue.path[0] ?? "");
  if (issue.code === "invalid_key") {
    // A bad map key (env var or tag name): the key itself is the value to show, never a secret.
    const reason = issue.issues[0]?.message ?? "is not allowed";
    return `${key} has a bad name: it ${reason} (got ${JSON.stringify(issue.input)})`;
  }
  return `${key} ${issue.message} (got ${show(secretRoot, issue.input)})`;
}

/**
 * Validates raw stack config (full keys like `berth:hosts`, structured values already parsed)
 * and returns the typed config, or throws one {@link ConfigError} whose message has one line per
 * bad value. Pure: no Pulumi runtime needed.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const relevant = Object.fromEntries(
    Object.entries(raw).filter(([k]) => k.startsWith("berth:") || k === "aws:region"),
  );
  const parsed = rawSchema.safeParse(relevant, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => describe(i)).join("\n"));
  }
  const c = parsed.data;
  const problems: string[] = [];
  const network = c["berth:network"];
  const hosts = c["berth:hosts"];
  const region = c["aws:region"];

  network.availabilityZones.forEach((zone, i) => {
    if (!zone.startsWith(region))
      problems.push(
        `berth:network.availabilityZones[${i}] must be a zone of aws:region ${region} (got "${zone}")`,
      );
  });
  if (new Set(network.availabilityZones).size !== network.availabilityZones.length)
    problems.push(
      `berth:network.availabilityZones must not repeat a zone (got ${JSON.stringify(network.availabilityZones)})`,
    );
  const vpcPrefix = parseCidr(network.vpcCidr)?.prefix ?? 16;
  if (vpcPrefix < 16 || vpcPrefix > 22)
    problems.push(`berth:network.vpcCidr must be a /16 to /22 block (got "${network.vpcCidr}")`);
  if (network.hostSubnets === "public" && network.egress !== undefined)
    problems.push(
      `berth:network.egress only applies when hostSubnets is private: hosts in public subnets reach the internet directly (got "${network.egress}")`,
    );
  c["berth:ssh"].allowedCidrs.forEach((allowed, i) => {
    if (parseCidr(allowed)?.prefix === 0)
      problems.push(
        `berth:ssh.allowedCidrs[${i}] must not open SSH to the whole internet; use your office, VPN or CI address like 203.0.113.10/32 (got "${allowed}")`,
      );
  });
  const bastion = c["berth:bastion"];
  if (bastion.enabled && network.hostSubnets === "public")
    problems.push(
      `berth:bastion.enabled needs berth:network.hostSubnets private: hosts in public subnets are reached directly (got true)`,
    );
  for (const name of Object.keys(c["berth:ssh"].hostKeys)) {
    const index = /^host-(\d+)$/.exec(name)?.[1];
    if (index !== undefined && Number(index) > hosts.count)
      problems.push(
        `berth:ssh.hostKeys.${name} names no host: berth:hosts.count is ${hosts.count} (got a key for ${name})`,
      );
    if (name === "bastion" && !bastion.enabled)
      problems.push(
        `berth:ssh.hostKeys.bastion needs berth:bastion.enabled (got a key for bastion)`,
      );
  }
  const keyPair = keyPairProblem(c["berth:sshPrivateKey"], c["berth:ssh"].publicKey);
  if (keyPair) problems.push(keyPair);
  const release = c["berth:release"];
  if (release.batchSize > hosts.count)
    problems.push(
      `berth:release.batchSize must be from 1 to berth:hosts.count (${hosts.count}) (got ${release.batchSize})`,
    );
  if ((release.digest === undefined) !== (release.proxyDigest === undefined))
    problems.push(
      release.digest === undefined
        ? `berth:release.digest must be set together with berth:release.proxyDigest (got nothing)`
        : `berth:release.proxyDigest must be set together with berth:release.digest (got nothing)`,
    );
  const env = c["berth:env"];
  const secretEnv = c["berth:secretEnv"];
  for (const name of Object.keys(secretEnv)) {
    if (name in env)
      problems.push(`berth:env.${name} must not also be in berth:secretEnv; keep one (got both)`);
  }
  const certificateArn = c["berth:loadBalancer"].certificateArn;
  const certRegion = certificateArn ? CERTIFICATE_ARN.exec(certificateArn)?.[1] : undefined;
  if (certRegion && certRegion !== region)
    problems.push(
      `berth:loadBalancer.certificateArn must be a certificate in aws:region ${region} (got "${certificateArn}")`,
    );
  const database = c["berth:database"];
  if (database)
    problems.push(
      ...databaseConfigProblems(database, {
        env,
        secretEnv,
        hosts: hosts.count,
        workers: c["berth:worker"].count,
        releaseCommand: release.command !== null,
      }),
    );
  const domain = c["berth:domain"];
  if (domain) problems.push(...domainProblems(domain, certificateArn));
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));

  const worker = c["berth:worker"];
  return {
    region,
    app: c["berth:app"],
    network: {
      ...network,
      egress: network.hostSubnets === "public" ? "internet" : (network.egress ?? "single-nat"),
      trustedProxyCidr: network.trustedProxyCidr ?? network.vpcCidr,
    },
    hosts,
    ssh: c["berth:ssh"],
    sshPrivateKey: c["berth:sshPrivateKey"],
    bastion,
    web: c["berth:web"],
    worker: worker.count === 0 ? null : { command: worker.command, count: worker.count },
    release,
    schedule: c["berth:schedule"],
    env,
    secretEnv,
    loadBalancer: c["berth:loadBalancer"],
    domain,
    alarms: c["berth:alarms"],
    appLogs: c["berth:appLogs"],
    logs: c["berth:logs"],
    image: c["berth:image"],
    tags: c["berth:tags"],
    database: database ?? null,
  };
}

/**
 * Why a Pulumi stack name cannot be a berth stack, or undefined. Pulumi allows more than berth:
 * the name goes into ECR repository names (lowercase only), container labels and the host's
 * state directory, so the agent's rule applies.
 */
export function stackNameProblem(stack: string): string | undefined {
  if (STACK_NAME.test(stack)) return undefined;
  return `the stack name must be 1-40 lowercase letters, digits or dashes, starting with a letter (it names ECR repositories and the hosts' state); create the stack under a name like prod or staging-eu (got "${stack}")`;
}

/**
 * Why berth:loadBalancer.certificateArn cannot serve the stack's ALB, which must use a certificate
 * of its own account, or undefined when it can. Known only at deploy time (the account is the
 * caller's), so the program checks it, not {@link parseStackConfig}.
 */
export function certificateAccountProblem(
  certificateArn: string,
  accountId: string,
): string | undefined {
  const certificateAccount = CERTIFICATE_ARN.exec(certificateArn)?.[2];
  if (certificateAccount === undefined || certificateAccount === accountId) return undefined;
  const placeholder =
    certificateAccount === AWS_EXAMPLE_ACCOUNT
      ? `; ${AWS_EXAMPLE_ACCOUNT} is AWS's example account, so this ARN is a placeholder`
      : "";
  return `berth:loadBalancer.certificateArn must be an ACM certificate of the account this stack deploys to (${accountId})${placeholder}: request or import a certificate there and set it with pulumi config set --path 'berth:loadBalancer.certificateArn' ARN (got "${certificateArn}")`;
}

/** Pulumi hands structured values over as JSON text; scalars stay strings. */
export function decodeConfigValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text;
    }
  }
  return text;
}

/** Reads the current stack's config from the Pulumi runtime and validates it. */
export function loadStackConfig(): StackConfig {
  const all = pulumi.runtime.allConfig();
  const raw = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, decodeConfigValue(v)]));
  return parseStackConfig(raw);
}
