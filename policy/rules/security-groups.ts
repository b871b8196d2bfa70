import * as aws from "@pulumi/aws";
import {
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { z } from "zod";
import { ConfigSource, ruleConfig } from "../lib/config";
import { fsbp } from "../lib/metadata";
import {
  cidrWithin,
  describePorts,
  Ingress,
  ingressCoversPort,
  ingressOnlyOpens,
  isIpv4Cidr,
  isWorldCidr,
  securityGroupIngress,
  securityGroupRuleIngress,
  vpcIngressRule,
} from "../lib/network";

type IngressCheck = (
  ingress: Ingress[],
  args: ResourceValidationArgs & ConfigSource,
  reportViolation: ReportViolation,
) => void;

/** Runs one ingress check on all three ways a program can declare ingress. */
function onEveryIngressForm(check: IngressCheck): ResourceValidation[] {
  return [
    validateResourceOfType(aws.ec2.SecurityGroup, (group, args, report) =>
      check(securityGroupIngress(group), args, report),
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
    "No security group admits SSH (port 22, or a range or all-protocol rule covering it) from 0.0.0.0/0 " +
    "or ::/0; with allowedSshCidrs configured, every SSH source must lie inside one of them " +
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
    for (const permission of ingress) {
      if (!ingressCoversPort(permission, SSH_PORT)) continue;
      for (const cidr of permission.cidrs) {
        if (isWorldCidr(cidr)) {
          reportViolation(
            `${describePorts(permission)} from ${cidr} opens SSH to the whole internet; allow only operator CIDRs or a bastion's security group.`,
          );
        } else if (
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
    "Security groups open only the web ports (publicPorts, default 80 and 443) to 0.0.0.0/0 or ::/0; " +
    "admin and app ports (22, 3000, 5000, 8080, all-protocol rules...) never face the internet " +
    "(Security Hub FSBP EC2.18 and EC2.19).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.18, EC2.19",
    "Security groups should only allow unrestricted incoming traffic for authorized ports (EC2.18) and not allow unrestricted access to ports with high risk (EC2.19)",
  ),
  configSchema: publicPortsConfig.configSchema,
  remediationSteps:
    "Let app hosts accept traffic only from the ALB's security group; keep world ingress on the ALB's 80/443.",
  validateResource: onEveryIngressForm((ingress, args, reportViolation) => {
    const { publicPorts } = publicPortsConfig.read(args);
    for (const permission of ingress) {
      const world = permission.cidrs.filter(isWorldCidr);
      if (world.length === 0 || ingressOnlyOpens(permission, publicPorts)) continue;
      reportViolation(
        `${describePorts(permission)} is open to ${world.join(" and ")}; only ports [${publicPorts.join(", ")}] may face the internet.`,
      );
    }
  }),
};
