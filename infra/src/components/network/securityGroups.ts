import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NetworkScope } from "./scope";

/** The port nginx listens on on every host (the ALB's target port). */
export const HOST_HTTP_PORT = 80;

export interface SecurityGroupsArgs {
  /** The VPC the groups belong to. */
  vpcId: pulumi.Input<string>;
  /** Whether the ALB also listens on 443 (a certificate is configured). */
  https: boolean;
  /** Whether a bastion gets a group; SSH to the hosts then comes from the bastion only. */
  bastion: boolean;
  /** Who may SSH: to the bastion when there is one, else to the hosts directly. */
  sshAllowedCidrs: string[];
  /** Whether the ECR interface endpoints get a group (egress `endpoints`). */
  interfaceEndpoints: boolean;
}

export interface SecurityGroups {
  alb: aws.ec2.SecurityGroup;
  hosts: aws.ec2.SecurityGroup;
  /** undefined without a bastion. */
  bastion: aws.ec2.SecurityGroup | undefined;
  /** undefined without ECR interface endpoints. */
  endpoints: aws.ec2.SecurityGroup | undefined;
}

/** The security groups, with every rule spelled out (one rule resource per rule). */
export function createSecurityGroups(
  scope: NetworkScope,
  args: SecurityGroupsArgs,
): SecurityGroups {
  const group = (suffix: string, description: string) =>
    new aws.ec2.SecurityGroup(
      `${scope.name}-${suffix}`,
      { vpcId: args.vpcId, description, tags: scope.tags(suffix) },
      { parent: scope.parent },
    );
  const endpoints = args.interfaceEndpoints
    ? group("endpoints", "ECR interface endpoints: HTTPS from the hosts")
    : undefined;
  const alb = group("alb", "ALB: HTTP(S) from the internet, HTTP to the hosts only");
  const hosts = group(
    "hosts",
    "Hosts: HTTP from the ALB only, SSH from the allowed CIDRs or the bastion",
  );
  webRules(scope, alb, hosts, args.https);
  const bastion = args.bastion
    ? group("bastion", "Bastion: SSH from the allowed CIDRs, SSH to the hosts only")
    : undefined;
  sshRules(scope, hosts, bastion, args.sshAllowedCidrs);
  if (endpoints) {
    ingressRule(scope, "endpoints-in-https", {
      securityGroupId: endpoints.id,
      description: "HTTPS from the hosts",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: hosts.id,
    });
  }
  return { alb, hosts, bastion, endpoints };
}

/** Internet to the ALB, the ALB to nginx on the hosts, and the hosts out. */
function webRules(
  scope: NetworkScope,
  alb: aws.ec2.SecurityGroup,
  hosts: aws.ec2.SecurityGroup,
  https: boolean,
): void {
  const albPorts = https ? [80, 443] : [80];
  for (const port of albPorts) {
    ingressRule(scope, `alb-in-${port}`, {
      securityGroupId: alb.id,
      description:
        port === 443
          ? "HTTPS from anywhere"
          : https
            ? "HTTP from anywhere (redirected to HTTPS)"
            : "HTTP from anywhere",
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      cidrIpv4: "0.0.0.0/0",
    });
  }
  egressRule(scope, "alb-out-hosts", {
    securityGroupId: alb.id,
    description: "HTTP to nginx on the hosts (traffic and health checks)",
    ipProtocol: "tcp",
    fromPort: HOST_HTTP_PORT,
    toPort: HOST_HTTP_PORT,
    referencedSecurityGroupId: hosts.id,
  });
  ingressRule(scope, "hosts-in-http", {
    securityGroupId: hosts.id,
    description: "HTTP from the ALB only",
    ipProtocol: "tcp",
    fromPort: HOST_HTTP_PORT,
    toPort: HOST_HTTP_PORT,
    referencedSecurityGroupId: alb.id,
  });
  egressRule(scope, "hosts-out-all", {
    securityGroupId: hosts.id,
    description: "Outbound: image pulls, OS packages and calls the app makes",
    ipProtocol: "-1",
    cidrIpv4: "0.0.0.0/0",
  });
}

/** SSH from the allowed CIDRs: to the bastion and from it to the hosts, or to the hosts directly. */
function sshRules(
  scope: NetworkScope,
  hosts: aws.ec2.SecurityGroup,
  bastion: aws.ec2.SecurityGroup | undefined,
  sshAllowedCidrs: string[],
): void {
  if (!bastion) {
    sshAllowedCidrs.forEach((cidr, i) =>
      ingressRule(scope, `hosts-in-ssh-${i + 1}`, {
        securityGroupId: hosts.id,
        description: `SSH from ${cidr}`,
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv4: cidr,
      }),
    );
    return;
  }
  sshAllowedCidrs.forEach((cidr, i) =>
    ingressRule(scope, `bastion-in-ssh-${i + 1}`, {
      securityGroupId: bastion.id,
      description: `SSH from ${cidr}`,
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv4: cidr,
    }),
  );
  egressRule(scope, "bastion-out-ssh", {
    securityGroupId: bastion.id,
    description: "SSH to the hosts only",
    ipProtocol: "tcp",
    fromPort: 22,
    toPort: 22,
    referencedSecurityGroupId: hosts.id,
  });
  // The bastion's one AWS call: its SSH host key from SSM (public endpoint) at first boot.
  egressRule(scope, "bastion-out-https", {
    securityGroupId: bastion.id,
    description: "HTTPS to AWS APIs: its SSH host key from SSM at first boot",
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrIpv4: "0.0.0.0/0",
  });
  ingressRule(scope, "hosts-in-ssh-bastion", {
    securityGroupId: hosts.id,
    description: "SSH from the bastion only",
    ipProtocol: "tcp",
    fromPort: 22,
    toPort: 22,
    referencedSecurityGroupId: bastion.id,
  });
}

/** One ingress rule, named and tagged `<name>-<rule>`. */
function ingressRule(
  scope: NetworkScope,
  rule: string,
  args: aws.vpc.SecurityGroupIngressRuleArgs,
): aws.vpc.SecurityGroupIngressRule {
  return new aws.vpc.SecurityGroupIngressRule(
    `${scope.name}-${rule}`,
    { ...args, tags: scope.tags(rule) },
    { parent: scope.parent },
  );
}

/** One egress rule, named and tagged `<name>-<rule>`. */
function egressRule(
  scope: NetworkScope,
  rule: string,
  args: aws.vpc.SecurityGroupEgressRuleArgs,
): aws.vpc.SecurityGroupEgressRule {
  return new aws.vpc.SecurityGroupEgressRule(
    `${scope.name}-${rule}`,
    { ...args, tags: scope.tags(rule) },
    { parent: scope.parent },
  );
}
