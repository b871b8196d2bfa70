/**
 * IPv4 CIDR arithmetic for the VPC plan. Pure functions, tested without mocks. Parsing, network
 * addresses and formatting are ipaddr.js's (the policy pack uses the same library); only the
 * subnet offsets are computed here.
 */
import * as ipaddr from "ipaddr.js";

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** `a.b.c.d/n` as ipaddr.js reads it; null unless it is a four-part decimal IPv4 CIDR. */
function readIpv4Cidr(text: string): { address: ipaddr.IPv4; prefix: number } | null {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return null;
  const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
  return { address, prefix };
}

function toNumber(address: ipaddr.IPv4): number {
  return address.octets.reduce((acc, octet) => acc * 256 + octet, 0);
}

/** Parses `a.b.c.d/n`; null when it is not an IPv4 CIDR or has host bits set. */
export function parseCidr(text: string): Cidr | null {
  const cidr = readIpv4Cidr(text);
  if (!cidr) return null;
  const network = ipaddr.IPv4.networkAddressFromCIDR(text);
  if (toNumber(network) !== toNumber(cidr.address)) return null;
  return { base: toNumber(network), prefix: cidr.prefix };
}

/** The network address of `address/prefix`, e.g. 10.0.1.7/24 -> 10.0.1.0/24 (used in hints). */
export function networkOf(text: string): string | null {
  const cidr = readIpv4Cidr(text);
  if (!cidr) return null;
  return `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${cidr.prefix}`;
}

export function formatAddress(value: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256);
  return new ipaddr.IPv4(octets).toString();
}

export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.base)}/${cidr.prefix}`;
}

/** The index-th block of `newPrefix` inside `parent`. */
export function subnetOf(parent: Cidr, newPrefix: number, index: number): Cidr {
  const size = 2 ** (32 - newPrefix);
  const count = 2 ** (newPrefix - parent.prefix);
  if (index < 0 || index >= count)
    throw new Error(`subnet ${index} does not fit: /${parent.prefix} holds ${count} /${newPrefix}`);
  return { base: parent.base + index * size, prefix: newPrefix };
}

export interface SubnetPlan {
  /** One per zone, same order: the ALB (and in a public layout the hosts, NAT gateways, bastion). */
  public: string[];
  /** One per zone, same order: the hosts in a private layout. */
  private: string[];
}

/**
 * Splits the VPC into 16 equal blocks (a /16 gives /20s of 4091 usable addresses): blocks
 * 0..zones-1 are public, blocks 8..8+zones-1 private, so adding a zone later never renumbers
 * an existing subnet.
 */
export function planSubnets(vpcCidr: string, zoneCount: number): SubnetPlan {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new Error(`not an IPv4 CIDR: "${vpcCidr}"`);
  if (zoneCount < 1 || zoneCount > 8) throw new Error(`zone count ${zoneCount} must be 1 to 8`);
  const blockPrefix = vpc.prefix + 4;
  const zones = [...Array(zoneCount).keys()];
  return {
    public: zones.map((i) => formatCidr(subnetOf(vpc, blockPrefix, i))),
    private: zones.map((i) => formatCidr(subnetOf(vpc, blockPrefix, 8 + i))),
  };
}
