import * as aws from "@pulumi/aws";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import {
  isApplicationLoadBalancer,
  LOAD_BALANCER_TYPES,
  LoadBalancerProps,
  onLoadBalancers,
} from "../lib/elb";
import { fsbp } from "../lib/metadata";
import { ofType, read, referenced, zonesOfSubnets } from "../lib/stack";
import { applyInProductionOnly, stageSettings } from "../lib/stage";

export const albDropsInvalidHeaders: ResourceValidationPolicy = {
  name: "alb-drop-invalid-header-fields",
  description:
    "Application load balancers drop HTTP headers with invalid fields (dropInvalidHeaderFields = true) " +
    "instead of passing them to nginx and the app, closing a request-smuggling route " +
    "(Security Hub FSBP ELB.4).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp(
    "ELB.4",
    "Application Load Balancer should be configured to drop invalid http headers",
  ),
  remediationSteps: "Set dropInvalidHeaderFields: true on the load balancer.",
  validateResource: onLoadBalancers((lb, args, reportViolation) => {
    if (!isApplicationLoadBalancer(lb)) args.notApplicable("not an application load balancer");
    if (lb.dropInvalidHeaderFields !== true) {
      reportViolation(
        "dropInvalidHeaderFields is not true; invalid header fields would reach the hosts.",
      );
    }
  }),
};

export const albDesyncMitigation: ResourceValidationPolicy = {
  name: "alb-desync-mitigation",
  description:
    'Application load balancers keep desync mitigation at "defensive" (the default) or "strictest", ' +
    'never "monitor", so ambiguous requests are not forwarded (Security Hub FSBP ELB.12).',
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp(
    "ELB.12",
    "Application Load Balancer should be configured with defensive or strictest desync mitigation mode",
  ),
  remediationSteps: 'Remove desyncMitigationMode or set it to "defensive" or "strictest".',
  validateResource: onLoadBalancers((lb, args, reportViolation) => {
    if (!isApplicationLoadBalancer(lb)) args.notApplicable("not an application load balancer");
    const mode = lb.desyncMitigationMode ?? "defensive";
    if (mode !== "defensive" && mode !== "strictest") {
      reportViolation(`desyncMitigationMode is "${mode}"; use "defensive" or "strictest".`);
    }
  }),
};

const deletionConfig = ruleConfig("alb-deletion-protection-in-production", {
  ...stageSettings,
});

export const albDeletionProtectionInProduction: ResourceValidationPolicy = {
  name: "alb-deletion-protection-in-production",
  description:
    "In production stacks, load balancers have deletion protection on, so a mistaken destroy or " +
    "replacement cannot take the public endpoint (and its DNS name) away (Security Hub FSBP ELB.6).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp(
    "ELB.6",
    "Application, Gateway, and Network Load Balancers should have deletion protection enabled",
  ),
  configSchema: deletionConfig.configSchema,
  remediationSteps: "Set enableDeletionProtection: true for production stacks.",
  validateResource: onLoadBalancers((lb, args, reportViolation) => {
    applyInProductionOnly(args, deletionConfig.read(args));
    if (lb.enableDeletionProtection !== true) {
      reportViolation("production load balancer has enableDeletionProtection unset or false.");
    }
  }),
};

const accessLogsConfig = ruleConfig("alb-access-logs-in-production", {
  ...stageSettings,
});

export const albAccessLogsInProduction: ResourceValidationPolicy = {
  name: "alb-access-logs-in-production",
  description:
    "In production stacks, application load balancers write access logs to S3 (accessLogs.enabled " +
    "with a bucket), so every request can be traced after an incident (Security Hub FSBP ELB.5).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("ELB.5", "Application and Classic Load Balancers logging should be enabled"),
  configSchema: accessLogsConfig.configSchema,
  remediationSteps: "Set accessLogs: { bucket, enabled: true } on the production load balancer.",
  validateResource: onLoadBalancers((lb, args, reportViolation) => {
    applyInProductionOnly(args, accessLogsConfig.read(args));
    if (!isApplicationLoadBalancer(lb)) args.notApplicable("not an application load balancer");
    const logs = lb.accessLogs;
    if (!logs || logs.enabled === false || !logs.bucket) {
      reportViolation(
        "production load balancer has no access logs (accessLogs.enabled with a bucket).",
      );
    }
  }),
};

const idleTimeoutConfig = ruleConfig("alb-idle-timeout", {
  maxIdleTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(4000)
    .default(120)
    .describe("Largest allowed load balancer idle timeout in seconds."),
});

export const albIdleTimeout: ResourceValidationPolicy = {
  name: "alb-idle-timeout",
  description:
    "Application load balancers keep the idle timeout at or below maxIdleTimeoutSeconds (default 120 s), " +
    "so slow or idle clients cannot hold connections open for long (slow-loris style exhaustion). " +
    "Advisory: long-polling apps may need more.",
  enforcementLevel: "advisory",
  severity: "low",
  configSchema: idleTimeoutConfig.configSchema,
  validateResource: onLoadBalancers((lb, args, reportViolation) => {
    if (!isApplicationLoadBalancer(lb)) args.notApplicable("not an application load balancer");
    const { maxIdleTimeoutSeconds } = idleTimeoutConfig.read(args);
    const idle = lb.idleTimeout ?? 60;
    if (idle > maxIdleTimeoutSeconds) {
      reportViolation(`idleTimeout is ${idle} s; keep it at or below ${maxIdleTimeoutSeconds} s.`);
    }
  }),
};

function zonesOfLoadBalancer(resources: PolicyResource[], lb: PolicyResource): Set<string> {
  const zones = zonesOfSubnets(resources, lb, "subnets");
  const subnets = ofType(resources, aws.ec2.Subnet);
  for (const subnet of referenced(lb, "subnetMappings", subnets)) {
    zones.add(String(read(subnet, "availabilityZone") ?? `subnet ${subnet.name}`));
  }
  const mappings = read(lb, "subnetMappings");
  if (Array.isArray(mappings)) {
    for (const mapping of mappings as { subnetId?: string }[]) {
      try {
        const id = mapping.subnetId;
        if (!id) continue;
        const subnet = subnets.find((s) => read(s, "id") === id);
        zones.add(String((subnet && read(subnet, "availabilityZone")) ?? `subnet ${id}`));
      } catch {
        // unknown during preview; the property dependency above covers it
      }
    }
  }
  return zones;
}

export const albSpansZones: StackValidationPolicy = {
  name: "alb-spans-zones",
  description:
    "Every application load balancer is placed in subnets of at least two availability zones, so it " +
    "keeps serving through a zone outage (Security Hub FSBP ELB.13).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "ELB.13",
    "Application, Network and Gateway Load Balancers should span multiple Availability Zones",
  ),
  remediationSteps: "Give the load balancer public subnets in two or more zones.",
  validateStack: (args, reportViolation) => {
    const balancers = ofType(args.resources, ...LOAD_BALANCER_TYPES).filter((lb) =>
      isApplicationLoadBalancer(lb.props as LoadBalancerProps),
    );
    if (balancers.length === 0) args.notApplicable("no application load balancer in this stack");
    for (const lb of balancers) {
      const zones = zonesOfLoadBalancer(args.resources, lb);
      if (zones.size < 2) {
        reportViolation(
          `load balancer "${lb.name}" spans ${zones.size} zone(s) [${[...zones].join(", ")}]; give it subnets in at least 2 zones.`,
          lb.urn,
        );
      }
    }
  },
};
