import { PolicyResource, StackValidation, StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { fsbp } from "../lib/metadata";
import { ingressOf, securityGroupsOf } from "../lib/group-ingress";
import { describePorts } from "../lib/network";
import { appHosts, read, referenced, zoneOfInstance } from "../lib/stack";
import { isProductionStack, stackNameOf, stageSettings } from "../lib/stage";
import { describeWorldSources, worldExposure } from "../lib/world-ingress";

/*
 * Rules about the app hosts as a fleet. "App hosts" are the instances registered in a load
 * balancer target group (lib/stack.ts appHosts): a bastion is not one. These are stack rules
 * because only the whole stack shows which instances the load balancer serves.
 */

const stageConfig = (name: string) => ruleConfig(name, stageSettings);

function hasPublicIp(instance: PolicyResource): boolean {
  return read(instance, "associatePublicIpAddress") === true;
}

const noPublicIpConfig = stageConfig("production-app-hosts-no-public-ip");

export const productionAppHostsNoPublicIp: StackValidationPolicy = {
  name: "production-app-hosts-no-public-ip",
  description:
    "In production stacks, app hosts (instances behind the load balancer) get no public IPv4 address: " +
    "they live in private subnets and take traffic only through the ALB. A bastion, which is not " +
    "registered with the load balancer, may have one (Security Hub FSBP EC2.9).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("EC2.9", "Amazon EC2 instances should not have a public IPv4 address"),
  configSchema: noPublicIpConfig.configSchema,
  remediationSteps: "Set berth:network.hostSubnets to private for production stacks.",
  validateStack: (args, reportViolation) => {
    if (!isProductionStack(args.resources, noPublicIpConfig.read(args))) {
      args.notApplicable(`stack "${stackNameOf(args.resources)}" is not a production stack`);
    }
    for (const host of appHosts(args.resources).filter(hasPublicIp)) {
      reportViolation(
        `production app host "${host.name}" has associatePublicIpAddress = true; put it in a private subnet behind the ALB.`,
        host.urn,
      );
    }
  },
};

const publicIpOutsideProdConfig = stageConfig("app-hosts-public-ip-outside-production");

export const appHostsPublicIpOutsideProduction: StackValidationPolicy = {
  name: "app-hosts-public-ip-outside-production",
  description:
    "Outside production, an app host with a public IPv4 address is reported but allowed: a cheap " +
    "staging may skip the NAT gateway while its security groups admit HTTP only from the ALB and SSH " +
    "only from allowed CIDRs, which app-hosts-not-world-reachable enforces (Security Hub FSBP EC2.9).",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: fsbp("EC2.9", "Amazon EC2 instances should not have a public IPv4 address"),
  configSchema: publicIpOutsideProdConfig.configSchema,
  validateStack: (args, reportViolation) => {
    if (isProductionStack(args.resources, publicIpOutsideProdConfig.read(args))) {
      args.notApplicable("production stacks are covered by production-app-hosts-no-public-ip");
    }
    const hosts = appHosts(args.resources);
    if (hosts.length === 0) args.notApplicable("no app hosts in this stack");
    for (const host of hosts.filter(hasPublicIp)) {
      reportViolation(
        `app host "${host.name}" has a public IPv4 address; acceptable outside production only while its security groups stay tight.`,
        host.urn,
      );
    }
  },
};

const zonesConfig = ruleConfig("production-hosts-span-zones", {
  ...stageSettings,
  minZones: z
    .number()
    .int()
    .min(1)
    .max(6)
    .default(2)
    .describe("Fewest availability zones production app hosts spread over."),
});

export const productionHostsSpanZones: StackValidationPolicy = {
  name: "production-hosts-span-zones",
  description:
    "A production stack runs at least minZones app hosts (default 2) in at least minZones availability " +
    "zones, so one zone's outage or one host's failure never takes the app down. A zone comes from the " +
    "instance's availabilityZone or its subnet.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: zonesConfig.configSchema,
  remediationSteps:
    "Set berth:hosts.count to 2 or more and list two or more zones in berth:network.",
  validateStack: (args, reportViolation) => {
    const settings = zonesConfig.read(args);
    const { minZones } = settings;
    if (!isProductionStack(args.resources, settings)) {
      args.notApplicable(`stack "${stackNameOf(args.resources)}" is not a production stack`);
    }
    const hosts = appHosts(args.resources);
    const zones = new Set(hosts.map((host) => zoneOfInstance(args.resources, host)));
    if (hosts.length < minZones || zones.size < minZones) {
      reportViolation(
        `production runs ${hosts.length} app host(s) in ${zones.size} zone(s) [${[...zones].join(", ")}]; ` +
          `it needs at least ${minZones} hosts in ${minZones} zones.`,
      );
    }
  },
};

const worldReachable: StackValidation = (args, reportViolation) => {
  const hosts = appHosts(args.resources);
  if (hosts.length === 0) args.notApplicable("no app hosts in this stack");
  const groups = securityGroupsOf(args.resources);
  const hostGroups = new Map<string, PolicyResource>();
  for (const host of hosts) {
    for (const group of [
      ...referenced(host, "vpcSecurityGroupIds", groups),
      ...referenced(host, "securityGroups", groups),
    ]) {
      hostGroups.set(group.urn, group);
    }
  }
  for (const group of hostGroups.values()) {
    const declared = ingressOf(args.resources, group);
    const all = declared.map((d) => d.ingress);
    for (const { ingress, urn } of declared) {
      const world = worldExposure(ingress, all);
      if (world) {
        reportViolation(
          `host security group "${group.name}" admits ${describePorts(ingress)} from ${describeWorldSources(world)}; app hosts take traffic from the ALB's security group only.`,
          urn,
        );
      }
    }
  }
};

export const appHostsNotWorldReachable: StackValidationPolicy = {
  name: "app-hosts-not-world-reachable",
  description:
    "Security groups attached to app hosts admit nothing from 0.0.0.0/0 or ::/0, not even 80/443: HTTP " +
    "comes only from the ALB's security group and SSH only from allowed CIDRs or a bastion, so nginx and " +
    "the app are never reachable around the load balancer (Security Hub FSBP EC2.18).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.18",
    "Security groups should only allow unrestricted incoming traffic for authorized ports",
  ),
  remediationSteps:
    "Use referencedSecurityGroupId = the ALB's security group in the host ingress rule.",
  validateStack: worldReachable,
};
