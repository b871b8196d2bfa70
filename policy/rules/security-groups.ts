import * as aws from "@pulumi/aws";
import {
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { z } from "zod";
import { ConfigSource, ruleConfig } from "../lib/config";
import { ingressOf, securityGroupsOf } from "../lib/group-ingress";
import { fsbp } from "../lib/metadata";
import {
  cidrWithin,
  describePorts,
  Ingress,
  ingressCoversPort,
  isIpv4Cidr,
  securityGroupIngress,
  securityGroupRuleIngress,
  vpcIngressRule,
} from "../lib/network";
import { describeWorldSources, worldExposure } from "../lib/world-ingress";

type IngressCheck = (
  ingress: Ingress[],
  args: ResourceValidationArgs & ConfigSource,
  reportViolation: ReportViolation,
  /** Set for the VPC's default security group (FSBP EC2.2: it admits nothing). */
  defaultGroup?: boolean,
) => void;

/**
 * Runs one ingress check on every way a program can declare ingress: a security group's inline
 * blocks (the VPC's default group too), and each standalone rule resource. The blocks of one
 * resource are judged together; rules spread over several resources are judged together by the
 * stack rule security-group-combined-ingress-web-ports-only.
 */
function onEveryIngressForm(check: IngressCheck): ResourceValidation[] {
  return [
    validateResourceOfType(aws.ec2.SecurityGroup, (group, args, report) =>
      check(securityGroupIngress(group), args, report),
    ),
    validateResourceOfType(aws.ec2.DefaultSecurityGroup, (group, args, report) =>
      check(securityGroupIngress(group), args, report, true),
    ),
    validateResourceOfType(aws.ec2.SecurityGroupRule, (rule, args, report) => {
      if (rule.type !== "ingress") args.notApplicable("egress rule");
      check(securityGroupRuleIngress(rule), args, report);
    }),
    validateResourceOfType(aws.vpc.SecurityGroupIngressRule, (rule, args, report) =>
      check(vpcIngressRule(rule), args, report),
    ),
  ];
}

const SSH_PORT = 22;

const sshConfig = ruleConfig("security-group-ssh-restricted", {
  allowedSshCidrs: z
    .array(z.string().refine(isIpv4Cidr, "must be an IPv4 CIDR such as 203.0.113.0/24"))
    .default([])
    .describe(
      "IPv4 CIDRs SSH may come from. Empty: any source except the whole internet. Non-empty: every SSH source CIDR must lie inside one of these.",
    ),
});

export const sshRestricted: ResourceValidationPolicy = {
  name: "security-group-ssh-restricted",
  description:
    "No security group admits SSH (port 22, or a range or all-protocol rule covering it) from the whole " +
    "internet: 0.0.0.0/0, ::/0, or CIDRs of one resource that together cover it (0.0.0.0/1 + " +
    "128.0.0.0/1); the VPC's default group included. With allowedSshCidrs configured, every SSH source must lie inside one of them " +
    "(Security Hub FSBP EC2.13).",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp(
    "EC2.13",
    "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
  ),
  configSchema: sshConfig.configSchema,
  remediationSteps:
    "Set berth:network.sshCidrs to your operators' / CI runner's CIDRs, or reach hosts through a bastion.",
  validateResource: onEveryIngressForm((ingress, args, reportViolation) => {
    const { allowedSshCidrs } = sshConfig.read(args);
    const sshOnly = ingress.filter((permission) => ingressCoversPort(permission, SSH_PORT));
    for (const permission of sshOnly) {
      const world = worldExposure(permission, sshOnly);
      if (world) {
        reportViolation(
          `${describePorts(permission)} from ${describeWorldSources(world)} opens SSH to the whole internet; allow only operator CIDRs or a bastion's security group.`,
        );
        continue;
      }
      for (const cidr of permission.cidrs) {
        if (
          allowedSshCidrs.length > 0 &&
          !allowedSshCidrs.some((allowed) => cidrWithin(cidr, allowed))
        ) {
          reportViolation(
            `SSH from ${cidr} is outside allowedSshCidrs [${allowedSshCidrs.join(", ")}].`,
          );
        }
      }
    }
  }),
};

const publicPortsConfig = ruleConfig("security-group-world-ingress-web-ports-only", {
  publicPorts: z
    .array(z.number().int().min(1).max(65535))
    .default([80, 443])
    .describe("The only ports any security group may open to 0.0.0.0/0 or ::/0."),
});

export const worldIngressWebPortsOnly: ResourceValidationPolicy = {
  name: "security-group-world-ingress-web-ports-only",
  description:
    "Security groups open only the web ports (publicPorts, default 80 and 443) to the whole internet " +
    "(0.0.0.0/0, ::/0, or CIDRs of one resource that together cover it, such as 0.0.0.0/1 + " +
    "128.0.0.0/1); admin and app ports (22, 3000, 5000, 8080, all-protocol rules...) never face the " +
    "internet, and the VPC's default security group admits nothing from it " +
    "(Security Hub FSBP EC2.2, EC2.18 and EC2.19).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.2, EC2.18, EC2.19",
    "The VPC default security group should not allow inbound traffic (EC2.2); security groups should only allow unrestricted incoming traffic for authorized ports (EC2.18) and not allow unrestricted access to ports with high risk (EC2.19)",
  ),
  configSchema: publicPortsConfig.configSchema,
  remediationSteps:
    "Let app hosts accept traffic only from the ALB's security group; keep world ingress on the ALB's 80/443.",
  validateResource: onEveryIngressForm((ingress, args, reportViolation, defaultGroup) => {
    const { publicPorts } = publicPortsConfig.read(args);
    for (const permission of ingress) {
      const world = worldExposure(permission, ingress, defaultGroup ? [] : publicPorts);
      if (!world) continue;
      reportViolation(
        defaultGroup
          ? `the VPC's default security group admits ${describePorts(permission)} from ${describeWorldSources(world)}; the default group should admit nothing (FSBP EC2.2): remove its ingress and use dedicated groups.`
          : `${describePorts(permission)} is open to ${describeWorldSources(world)}; only ports [${publicPorts.join(", ")}] may face the internet.`,
      );
    }
  }),
};

const combinedConfig = ruleConfig("security-group-combined-ingress-web-ports-only", {
  publicPorts: z
    .array(z.number().int().min(1).max(65535))
    .default([80, 443])
    .describe(
      "The only ports a security group's rules, taken together, may open to the whole internet.",
    ),
});

export const combinedIngressWebPortsOnly: StackValidationPolicy = {
  name: "security-group-combined-ingress-web-ports-only",
  description:
    "A security group's ingress rules taken together (inline blocks and the standalone " +
    "SecurityGroupRule / vpc.SecurityGroupIngressRule resources naming it) open only publicPorts to " +
    "the whole IPv4 or IPv6 internet: 0.0.0.0/1 in one rule and 128.0.0.0/1 in another is " +
    "0.0.0.0/0. The VPC's default security group admits nothing from the internet. What one " +
    "resource opens on its own is reported by security-group-ssh-restricted and " +
    "security-group-world-ingress-web-ports-only (Security Hub FSBP EC2.2, EC2.18, EC2.19).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.2, EC2.18, EC2.19",
    "The VPC default security group should not allow inbound traffic (EC2.2); security groups should only allow unrestricted incoming traffic for authorized ports (EC2.18) and not to ports with high risk (EC2.19)",
  ),
  configSchema: combinedConfig.configSchema,
  remediationSteps:
    "Replace the split CIDRs with the sources that need access (operator CIDRs, the ALB's security group).",
  validateStack: (args, reportViolation) => {
    const { publicPorts } = combinedConfig.read(args);
    const groups = securityGroupsOf(args.resources);
    if (groups.length === 0) args.notApplicable("no security groups in this stack");
    for (const group of groups) {
      const isDefault = group.isType(aws.ec2.DefaultSecurityGroup);
      const exempt = isDefault ? [] : publicPorts;
      const declared = ingressOf(args.resources, group);
      const all = declared.map((d) => d.ingress);
      for (const { ingress, urn } of declared) {
        const sameResource = declared.filter((d) => d.urn === urn).map((d) => d.ingress);
        // Open on its own: the resource rules report it already.
        if (worldExposure(ingress, sameResource, exempt)) continue;
        const world = worldExposure(ingress, all, exempt);
        if (!world) continue;
        reportViolation(
          `security group "${group.name}": ${describePorts(ingress)} from ${ingress.cidrs.join(", ")}, ` +
            `with the group's other rules, admits ${describeWorldSources(world)}; ` +
            (isDefault
              ? "the VPC's default security group should admit nothing (FSBP EC2.2)."
              : `only ports [${publicPorts.join(", ")}] may face the internet.`),
          urn,
        );
      }
    }
  },
};
