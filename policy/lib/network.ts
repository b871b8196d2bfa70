/** A security-group ingress permission reduced to what the rules reason about. */
export interface Ingress {
  /** "tcp", "udp", "icmp", "-1" (all) ... lower-cased; numbers as strings ("6" is tcp). */
  protocol: string;
  fromPort: number;
  toPort: number;
  /** IPv4 and IPv6 source CIDRs; empty when the source is a security group or prefix list. */
  cidrs: string[];
}

export { cidrWithin, isIpv4Cidr, isWorldCidr } from "./address-space";

export function isAllProtocols(protocol: string): boolean {
  return protocol === "-1" || protocol === "all";
}

export function isTcpOrUdp(protocol: string): boolean {
  return protocol === "tcp" || protocol === "udp";
}

/** Protocol numbers as AWS accepts them, named: "6" is tcp, "17" udp, "all" is "-1". */
function protocolName(protocol: string | undefined): string {
  const name = String(protocol ?? "-1").toLowerCase();
  return ({ "6": "tcp", "17": "udp", all: "-1" } as Record<string, string>)[name] ?? name;
}

/** True when the permission lets traffic reach `port` (TCP or UDP). */
export function ingressCoversPort(ingress: Ingress, port: number): boolean {
  if (isAllProtocols(ingress.protocol)) return true;
  if (!isTcpOrUdp(ingress.protocol)) return false;
  return ingress.fromPort <= port && port <= ingress.toPort;
}

/** The ports (or "all ports") a permission opens, for messages. */
export function describePorts(ingress: Ingress): string {
  if (isAllProtocols(ingress.protocol)) return "all ports and protocols";
  if (!isTcpOrUdp(ingress.protocol)) return `protocol ${ingress.protocol}`;
  return ingress.fromPort === ingress.toPort
    ? `${ingress.protocol}/${ingress.fromPort}`
    : `${ingress.protocol}/${ingress.fromPort}-${ingress.toPort}`;
}

interface SecurityGroupInline {
  protocol?: string;
  fromPort?: number;
  toPort?: number;
  cidrBlocks?: string[];
  ipv6CidrBlocks?: string[];
}

function normalise(
  protocol: string | undefined,
  fromPort: number | undefined,
  toPort: number | undefined,
  cidrs: (string | undefined)[],
): Ingress {
  return {
    protocol: protocolName(protocol),
    fromPort: fromPort ?? 0,
    toPort: toPort ?? fromPort ?? 65535,
    cidrs: cidrs.filter((c): c is string => typeof c === "string" && c.length > 0),
  };
}

/** Inline `ingress` blocks of an `aws.ec2.SecurityGroup`. */
export function securityGroupIngress(props: { ingress?: SecurityGroupInline[] }): Ingress[] {
  return (props.ingress ?? []).map((rule) =>
    normalise(rule.protocol, rule.fromPort, rule.toPort, [
      ...(rule.cidrBlocks ?? []),
      ...(rule.ipv6CidrBlocks ?? []),
    ]),
  );
}

/** An `aws.ec2.SecurityGroupRule` of type "ingress" (egress rules give none). */
export function securityGroupRuleIngress(props: {
  type?: string;
  protocol?: string;
  fromPort?: number;
  toPort?: number;
  cidrBlocks?: string[];
  ipv6CidrBlocks?: string[];
}): Ingress[] {
  if (props.type !== "ingress") return [];
  return [
    normalise(props.protocol, props.fromPort, props.toPort, [
      ...(props.cidrBlocks ?? []),
      ...(props.ipv6CidrBlocks ?? []),
    ]),
  ];
}

/** An `aws.vpc.SecurityGroupIngressRule`. */
export function vpcIngressRule(props: {
  ipProtocol?: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
}): Ingress[] {
  return [
    normalise(props.ipProtocol, props.fromPort, props.toPort, [props.cidrIpv4, props.cidrIpv6]),
  ];
}
