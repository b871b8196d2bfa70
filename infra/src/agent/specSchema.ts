import { z } from "zod";
import {
  APP_NAME,
  AWS_REGION,
  ENV_NAME,
  IMAGE_BY_DIGEST,
  JOB_NAME_PATTERN,
  LOG_GROUP,
  ReleaseGuard,
  ReleaseSpec,
  STACK_NAME,
} from "./contract";

/**
 * The rules for every value of a release spec, once. The stack config schema (config.ts) builds
 * its `berth:app`, `berth:web`, `berth:worker`, `berth:release` and `berth:env` keys from these
 * fields, and the rollout plan validates the spec it sends with {@link assertValidSpec}, so a
 * value the config accepts is a value the plan and the agent accept.
 */

export const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
};

export const matching = (pattern: RegExp, message: string) =>
  z.string({ error: message }).regex(pattern, { error: message });

/**
 * The deploy guard's defaults: every stack smoke-checks "/" and bakes a few seconds unless its
 * config says otherwise (`berth:release`).
 */
export const RELEASE_GUARD_DEFAULTS: ReleaseGuard = {
  smokePaths: ["/"],
  smokeStatuses: ["2xx", "3xx"],
  bakeSeconds: 5,
  maxErrorRate: 0.05,
};

export const specFields = {
  app: matching(
    APP_NAME,
    "must be 2-20 lowercase letters, digits or dashes, starting with a letter",
  ),
  stack: matching(
    STACK_NAME,
    "must be 1-40 lowercase letters, digits or dashes, starting with a letter",
  ),
  imageByDigest: matching(IMAGE_BY_DIGEST, "must be an image by digest: REPO@sha256:<64 hex>"),
  port: wholeNumber(1024, 65535),
  healthPath: matching(/^\/[A-Za-z0-9._~/-]*$/, "must be a path starting with / like /healthz"),
  commandArgv: z
    .array(
      z.string({ error: "must be a list of strings" }).min(1, { error: "must not be empty" }),
      {
        error: 'must be a list of strings like ["node", "dist/worker.js"]',
      },
    )
    .min(1, { error: 'must be a list of strings like ["node", "dist/worker.js"]' }),
  workerCount: wholeNumber(0, 20),
  healthSeconds: wholeNumber(5, 600),
  drainSeconds: wholeNumber(0, 300),
  stopSeconds: wholeNumber(1, 300),
  keepReleases: wholeNumber(1, 20),
  smokePaths: z
    .array(
      matching(/^\/[A-Za-z0-9._~/?=&%-]*$/, "must be a path starting with / like /api/status"),
      { error: 'must be a list of paths like ["/", "/api/status"]' },
    )
    .max(10, { error: "must hold at most 10 paths (each is checked on every host)" }),
  smokeStatuses: z
    .array(
      matching(/^[1-5](xx|[0-9]{2})$/, 'must be a status class like "2xx" or a code like "404"'),
      {
        error: 'must be a list like ["2xx", "3xx"]',
      },
    )
    .min(1, { error: 'must hold at least one status, like ["2xx", "3xx"]' }),
  bakeSeconds: wholeNumber(0, 600),
  maxErrorRate: z
    .number({ error: "must be a share from 0 to 1, like 0.05 for 5%" })
    .min(0, { error: "must be a share from 0 to 1, like 0.05 for 5%" })
    .max(1, { error: "must be a share from 0 to 1, like 0.05 for 5%" }),
  env: z.record(
    matching(ENV_NAME, "must be a variable name (letters, digits, _; not starting with a digit)"),
    z
      .string({ error: 'must be a string (quote numbers and booleans in YAML: "3")' })
      .refine((value) => !value.includes("\n"), {
        error: "must be one line: a docker env-file cannot carry a newline",
      }),
    { error: "must be a map of NAME: value" },
  ),
};

/** A whole release spec, as the plan sends it and the agent reads it. */
export const releaseSpecSchema = z.strictObject({
  app: specFields.app,
  stack: specFields.stack,
  image: specFields.imageByDigest,
  proxyImage: specFields.imageByDigest,
  web: z.strictObject({
    command: specFields.commandArgv.nullable(),
    port: specFields.port,
    healthPath: specFields.healthPath,
  }),
  worker: z
    .strictObject({
      command: specFields.commandArgv,
      count: specFields.workerCount.min(1, {
        error: "must be at least 1 (use null for no worker)",
      }),
    })
    .nullable(),
  releaseCommand: specFields.commandArgv.nullable(),
  env: specFields.env,
  timeouts: z.strictObject({
    healthSeconds: specFields.healthSeconds,
    drainSeconds: specFields.drainSeconds,
    stopSeconds: specFields.stopSeconds,
  }),
  keepReleases: specFields.keepReleases,
  guard: z.strictObject({
    smokePaths: specFields.smokePaths,
    smokeStatuses: specFields.smokeStatuses,
    bakeSeconds: specFields.bakeSeconds,
    maxErrorRate: specFields.maxErrorRate,
  }),
  schedule: z
    .array(
      z.strictObject({
        name: matching(new RegExp(JOB_NAME_PATTERN), "must be a job name"),
        cron: z.string(),
        command: specFields.commandArgv,
        minute: z.array(wholeNumber(0, 59)).min(1),
        hour: z.array(wholeNumber(0, 23)).min(1),
        dayOfMonth: z.array(wholeNumber(1, 31)).min(1),
        month: z.array(wholeNumber(1, 12)).min(1),
        dayOfWeek: z.array(wholeNumber(0, 6)).min(1),
        days: z.enum(["both", "either"]),
      }),
    )
    .min(1)
    .optional(),
  logging: z
    .discriminatedUnion(
      "driver",
      [
        z.strictObject({ driver: z.literal("json-file") }),
        z.strictObject({
          driver: z.literal("awslogs"),
          region: matching(AWS_REGION, "must be an AWS region like eu-west-1"),
          groups: z.strictObject({
            web: matching(LOG_GROUP, "must be a log group name"),
            worker: matching(LOG_GROUP, "must be a log group name"),
            release: matching(LOG_GROUP, "must be a log group name"),
          }),
        }),
      ],
      { error: "must be json-file or awslogs" },
    )
    .optional(),
});

/** Rejects a spec the agent would refuse, before anything is sent to a host; names every bad value. */
export function assertValidSpec(spec: ReleaseSpec): void {
  const parsed = releaseSpecSchema.safeParse(spec, { reportInput: true });
  if (parsed.success) return;
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path.map(String).join(".") || "spec";
    if (issue.code === "invalid_key")
      return `${key} is not a valid name: it ${issue.issues[0]?.message ?? "is not allowed"}`;
    // Env values may be secrets: never echo them.
    const shown = issue.path[0] === "env" ? "a value not shown" : JSON.stringify(issue.input);
    return `${key} ${issue.message} (got ${shown ?? "nothing"})`;
  });
  throw new Error(`invalid release spec: ${problems.join("; ")}`);
}
