import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { LOAD_BALANCER_TYPES, isApplicationLoadBalancer, LoadBalancerProps } from "../lib/elb";
import { fsbp } from "../lib/metadata";
import {
  describePorts,
  isWorldCidr,
  securityGroupIngress,
  securityGroupRuleIngress,
  vpcIngressRule,
} from "../lib/network";
import { ofType, refersTo, zoneOfSubnet } from "../lib/stack";
import { isProductionUrn, productionStacksSetting, stackOfUrn } from "../lib/stage";

const hostZonesConfig = ruleConfig("production-hosts-span-zones", {
  productionStacks: productionStacksSetting,
  minZones: z
    .number()
    .int()
    .min(1)
    .max(6)
    .default(2)
    .describe("Fewest availability zones production hosts spread over."),
});

function zoneOfInstance(resources: PolicyResource[], instance: PolicyResource): string {
  const props = instance.props as { availabilityZone?: string; subnetId?: string };
  if (props.availabilityZone) return props.availabilityZone;
  if (props.subnetId) return zoneOfSubnet(resources, props.subnetId);
  return "(default subnet)";
}

export const productionHostsSpanZones: StackValidationPolicy = {
  name: "production-hosts-span-zones",
  description:
    "A production stack runs at least minZones hosts (default 2) spread over at least minZones " +
    "availability zones, so one zone's outage or one host's failure never takes the app down. " +
    "Zones come from each instance's availabilityZone or its subnet in the stack.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: hostZonesConfig.configSchema,
  remediationSteps:
    "Set berth:hosts.count to 2 or more; hosts are spread over the private subnets round-robin.",
  validateStack: (args, reportViolation) => {
    const { productionStacks, minZones } = hostZonesConfig.read(args);
    const stack = args.resources.map((r) => stackOfUrn(r.urn)).find((s) => s !== undefined);
    if (!args.resources.some((r) => isProductionUrn(r.urn, productionStacks))) {
      args.notApplicable(`stack "${stack ?? "?"}" is not a production stack`);
    }
    const instances = ofType(args.resources, aws.ec2.Instance);
    const zones = new Set(instances.map((instance) => zoneOfInstance(args.resources, instance)));
    if (instances.length < minZones || zones.size < minZones) {
      reportViolation(
        `production runs ${instances.length} host(s) in ${zones.size} zone(s) [${[...zones].join(", ")}]; ` +
          `it needs at least ${minZones} hosts in ${minZones} zones.`,
      );
    }
  },
};

function subnetIdsOf(lb: LoadBalancerProps): string[] {
  const ids = [...(lb.subnets ?? []), ...(lb.subnetMappings ?? []).map((m) => m.subnetId)];
  return ids.filter((id): id is string => typeof id === "string" && id.length > 0);
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
      const subnetIds = subnetIdsOf(lb.props as LoadBalancerProps);
      const zones = new Set(subnetIds.map((id) => zoneOfSubnet(args.resources, id)));
      if (zones.size < 2) {
        reportViolation(
          `load balancer "${lb.name}" is in ${subnetIds.length} subnet(s) over ${zones.size} zone(s); give it subnets in at least 2 zones.`,
          lb.urn,
        );
      }
    }
  },
};

/** The security groups an instance uses, found in the stack by id. */
function securityGroupsOfInstance(
  resources: PolicyResource[],
  instance: PolicyResource,
): PolicyResource[] {
  return ofType(resources, aws.ec2.SecurityGroup).filter(
    (group) =>
      refersTo(instance, "vpcSecurityGroupIds", group) ||
      refersTo(instance, "securityGroups", group),
  );
}

export const hostsNotWorldReachable: StackValidationPolicy = {
  name: "app-hosts-not-world-reachable",
  description:
    "Security groups attached to app hosts admit nothing from 0.0.0.0/0 or ::/0, not even 80/443: " +
    "HTTP comes only from the ALB's security group and SSH only from allowed CIDRs or a bastion, so " +
    "nginx and the app are never reachable around the load balancer (Security Hub FSBP EC2.18).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.18",
    "Security groups should only allow unrestricted incoming traffic for authorized ports",
  ),
  remediationSteps:
    "Reference the ALB's security group (referencedSecurityGroupId) in the host ingress rule.",
  validateStack: (args, reportViolation) => {
    const instances = ofType(args.resources, aws.ec2.Instance);
    if (instances.length === 0) args.notApplicable("no EC2 instances in this stack");
    const hostGroups = new Map<string, PolicyResource>();
    for (const instance of instances) {
      for (const group of securityGroupsOfInstance(args.resources, instance))
        hostGroups.set(group.urn, group);
    }
    const standaloneRules = [
      ...ofType(args.resources, aws.ec2.SecurityGroupRule),
      ...ofType(args.resources, aws.vpc.SecurityGroupIngressRule),
    ];
    for (const group of hostGroups.values()) {
      const ingress = [
        ...securityGroupIngress(group.props).map((i) => ({ i, urn: group.urn })),
        ...standaloneRules
          .filter((rule) => refersTo(rule, "securityGroupId", group))
          .flatMap((rule) =>
            (rule.isType(aws.ec2.SecurityGroupRule)
              ? securityGroupRuleIngress(rule.props)
              : vpcIngressRule(rule.props)
            ).map((i) => ({ i, urn: rule.urn })),
          ),
      ];
      for (const { i, urn } of ingress) {
        const world = i.cidrs.filter(isWorldCidr);
        if (world.length > 0) {
          reportViolation(
            `host security group "${group.name}" admits ${describePorts(i)} from ${world.join(" and ")}; hosts take traffic from the ALB's security group only.`,
            urn,
          );
        }
      }
    }
  },
};

const releaseConfig = ruleConfig("release-rolls-in-batches", {
  productionStacks: productionStacksSetting,
  releaseCommandMarker: z
    .string()
    .min(1)
    .default("berth-agent deploy")
    .describe("Text in a remote.Command's create command that marks it as a host release."),
});

/** Every resource `start` depends on, directly or through other resources. */
function transitiveDependencies(start: PolicyResource): Set<string> {
  const seen = new Set<string>();
  const stack = [...start.dependencies, ...Object.values(start.propertyDependencies).flat()];
  while (stack.length > 0) {
    const next = stack.pop();
    if (!next || seen.has(next.urn)) continue;
    seen.add(next.urn);
    stack.push(...next.dependencies, ...Object.values(next.propertyDependencies).flat());
  }
  return seen;
}

export const releaseRollsInBatches: StackValidationPolicy = {
  name: "release-rolls-in-batches",
  description:
    "In production, host releases (remote.Commands running the deploy agent) are chained: with two or " +
    "more hosts, at least one release waits for another to finish, so a release that fails its health " +
    "gate stops the rollout and the hosts not yet touched keep serving the old version.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: releaseConfig.configSchema,
  remediationSteps:
    "Keep berth:release.batchSize below berth:hosts.count; each batch dependsOn the previous one.",
  validateStack: (args, reportViolation) => {
    const { productionStacks, releaseCommandMarker } = releaseConfig.read(args);
    if (!args.resources.some((r) => isProductionUrn(r.urn, productionStacks))) {
      args.notApplicable("not a production stack");
    }
    const releases = ofType(args.resources, command.remote.Command).filter((cmd) =>
      String(cmd.props.create ?? "").includes(releaseCommandMarker),
    );
    if (releases.length < 2) args.notApplicable("fewer than two host releases");
    const releaseUrns = new Set(releases.map((r) => r.urn));
    const chained = releases.filter((release) =>
      [...transitiveDependencies(release)].some((urn) => releaseUrns.has(urn)),
    );
    if (chained.length === 0) {
      reportViolation(
        `all ${releases.length} host releases run at once; a failing release could not stop the rollout. Release in batches, each depending on the previous one.`,
      );
    }
  },
};
