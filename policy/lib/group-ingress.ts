import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import { Ingress, securityGroupIngress, securityGroupRuleIngress, vpcIngressRule } from "./network";
import { ofType, referenced } from "./stack";

/** One permission of a security group and the resource that declares it. */
export interface DeclaredIngress {
  ingress: Ingress;
  urn: string;
}

/** The security groups a stack creates, the VPC's default group included. */
export function securityGroupsOf(resources: PolicyResource[]): PolicyResource[] {
  return ofType(resources, aws.ec2.SecurityGroup, aws.ec2.DefaultSecurityGroup);
}

function rulesNaming(
  resources: PolicyResource[],
  type: { new (...rest: never[]): unknown },
  group: PolicyResource,
): PolicyResource[] {
  return ofType(resources, type).filter(
    (rule) => referenced(rule, "securityGroupId", [group]).length > 0,
  );
}

/**
 * Everything that admits traffic into `group`: its inline blocks and the standalone rule
 * resources (aws.ec2.SecurityGroupRule, aws.vpc.SecurityGroupIngressRule) that name it, matched
 * by property dependency or id.
 */
export function ingressOf(resources: PolicyResource[], group: PolicyResource): DeclaredIngress[] {
  const inline = securityGroupIngress(group.props).map((ingress) => ({ ingress, urn: group.urn }));
  const standalone = [
    ...rulesNaming(resources, aws.ec2.SecurityGroupRule, group).flatMap((rule) =>
      securityGroupRuleIngress(rule.props).map((ingress) => ({ ingress, urn: rule.urn })),
    ),
    ...rulesNaming(resources, aws.vpc.SecurityGroupIngressRule, group).flatMap((rule) =>
      vpcIngressRule(rule.props).map((ingress) => ({ ingress, urn: rule.urn })),
    ),
  ];
  return [...inline, ...standalone];
}
