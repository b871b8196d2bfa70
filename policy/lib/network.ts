/** A security-group ingress permission reduced to what the rules reason about. */
export interface Ingress {
  /** "tcp", "udp", "icmp", "-1" (all) ... lower-cased; numbers as strings ("6" is tcp). */
  protocol: string;
  fromPort: number;
  toPort: number;
  /** IPv4 and IPv6 source CIDRs; empty when the source is a security group or prefix list. */
  cidrs: string[];
}

export const WORLD_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];

export function isWorldCidr(cidr: string): boolean {
  return WORLD_CIDRS.includes(cidr.trim());
}

function isAllProtocols(protocol: string): boolean {
  return protocol === "-1" || protocol === "all";
}

function isTcpOrUdp(protocol: string): boolean {
  return ["tcp", "udp", "6", "17"].includes(protocol);
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

/** True when every port the permission opens is one of `allowed`. */
export function ingressOnlyOpens(ingress: Ingress, allowed: readonly number[]): boolean {
  if (isAllProtocols(ingress.protocol)) return false;
  if (!isTcpOrUdp(ingress.protocol)) return false;
  for (let port = ingress.fromPort; port <= ingress.toPort; port++) {
    if (!allowed.includes(port)) return false;
  }
  return true;
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
    protocol: String(protocol ?? "-1").toLowerCase(),
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

function ipv4ToInt(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

function parseIpv4Cidr(cidr: string): { base: number; bits: number } | undefined {
  const [address, prefix] = cidr.trim().split("/");
  if (address === undefined || prefix === undefined || !/^\d{1,2}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  const base = ipv4ToInt(address);
  if (base === undefined || bits > 32) return undefined;
  return { base, bits };
}

/** True when IPv4 CIDR `inner` lies wholly inside `outer`. IPv6 compares textually. */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseIpv4Cidr(inner);
  const b = parseIpv4Cidr(outer);
  if (!a || !b) return inner.trim().toLowerCase() === outer.trim().toLowerCase();
  if (a.bits < b.bits) return false;
  const size = 2 ** (32 - b.bits);
  return Math.floor(a.base / size) === Math.floor(b.base / size);
}

/** True for a syntactically valid IPv4 CIDR such as 203.0.113.0/24. */
export function isIpv4Cidr(cidr: string): boolean {
  return parseIpv4Cidr(cidr) !== undefined;
}
