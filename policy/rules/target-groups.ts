import { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { onTargetGroups, TargetGroupProps } from "../lib/elb";

/** What AWS uses when a target group leaves a health-check field unset (HTTP/HTTPS target groups). */
const AWS_DEFAULTS = { interval: 30, healthyThreshold: 5, unhealthyThreshold: 2, path: "/" };

function isHttpTargetGroup(group: TargetGroupProps): boolean {
  const protocol = (group.protocol ?? "HTTP").toUpperCase();
  return (
    (group.targetType ?? "instance") !== "lambda" && (protocol === "HTTP" || protocol === "HTTPS")
  );
}

const healthConfig = ruleConfig("target-group-health-check-responsive", {
  maxIntervalSeconds: z
    .number()
    .int()
    .min(5)
    .max(300)
    .default(15)
    .describe("Largest allowed healthCheck.interval."),
  maxHealthyThreshold: z
    .number()
    .int()
    .min(2)
    .max(10)
    .default(3)
    .describe("Largest allowed healthCheck.healthyThreshold."),
  maxUnhealthyThreshold: z
    .number()
    .int()
    .min(2)
    .max(10)
    .default(3)
    .describe("Largest allowed healthCheck.unhealthyThreshold."),
});

export const healthCheckResponsive: ResourceValidationPolicy = {
  name: "target-group-health-check-responsive",
  description:
    "HTTP target groups health-check an explicit path, no slower than the configured limits (default: " +
    "every 15 s or faster, at most 3 checks to turn healthy or unhealthy). AWS's defaults (every 30 s " +
    'on "/", 5 checks to turn healthy) keep a dead host in rotation for a minute and make every ' +
    "rollout wait 2.5 minutes per batch.",
  enforcementLevel: "mandatory",
  severity: "medium",
  configSchema: healthConfig.configSchema,
  remediationSteps:
    "Set healthCheck: { path: <nginx health path>, interval: 10, healthyThreshold: 2, unhealthyThreshold: 2, timeout: 5 }.",
  validateResource: onTargetGroups((group, args, reportViolation) => {
    if (!isHttpTargetGroup(group)) args.notApplicable("not an HTTP/HTTPS target group");
    const limits = healthConfig.read(args);
    const check = group.healthCheck;
    if (!check) {
      reportViolation(
        `healthCheck is unset, so AWS probes "/" every ${AWS_DEFAULTS.interval} s and needs ${AWS_DEFAULTS.healthyThreshold} passes; configure it.`,
      );
      return;
    }
    if (check.enabled === false) {
      reportViolation(
        "healthCheck.enabled is false; the load balancer would keep sending traffic to dead hosts.",
      );
      return;
    }
    if (!check.path)
      reportViolation(
        `healthCheck.path is unset (defaults to "${AWS_DEFAULTS.path}"); point it at the health endpoint.`,
      );
    const interval = check.interval ?? AWS_DEFAULTS.interval;
    if (interval > limits.maxIntervalSeconds) {
      reportViolation(
        `healthCheck.interval is ${interval} s; use ${limits.maxIntervalSeconds} s or less.`,
      );
    }
    const healthy = check.healthyThreshold ?? AWS_DEFAULTS.healthyThreshold;
    if (healthy > limits.maxHealthyThreshold) {
      reportViolation(
        `healthCheck.healthyThreshold is ${healthy}; use ${limits.maxHealthyThreshold} or less.`,
      );
    }
    const unhealthy = check.unhealthyThreshold ?? AWS_DEFAULTS.unhealthyThreshold;
    if (unhealthy > limits.maxUnhealthyThreshold) {
      reportViolation(
        `healthCheck.unhealthyThreshold is ${unhealthy}; use ${limits.maxUnhealthyThreshold} or less.`,
      );
    }
  }),
};

const drainConfig = ruleConfig("target-group-deregistration-delay", {
  maxDeregistrationDelaySeconds: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(60)
    .describe("Largest allowed deregistrationDelay in seconds."),
});

export const deregistrationDelay: ResourceValidationPolicy = {
  name: "target-group-deregistration-delay",
  description:
    "Target groups drain deregistered hosts within maxDeregistrationDelaySeconds (default 60 s) rather " +
    "than AWS's 300 s default, so replacing a host does not stall for five minutes. Advisory: apps " +
    "with long requests may need longer.",
  enforcementLevel: "advisory",
  severity: "low",
  configSchema: drainConfig.configSchema,
  validateResource: onTargetGroups((group, args, reportViolation) => {
    const { maxDeregistrationDelaySeconds } = drainConfig.read(args);
    const delay = Number(group.deregistrationDelay ?? 300);
    if (delay > maxDeregistrationDelaySeconds) {
      reportViolation(
        `deregistrationDelay is ${delay} s${group.deregistrationDelay === undefined ? " (AWS default)" : ""}; use ${maxDeregistrationDelaySeconds} s or less.`,
      );
    }
  }),
};
