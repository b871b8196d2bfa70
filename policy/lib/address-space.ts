import * as ipaddr from "ipaddr.js";

/**
 * Address arithmetic for "open to the world": a source is world-open when the CIDRs admitted
 * together cover every IPv4 or every IPv6 address, whatever way they are written (0.0.0.0/0,
 * 0::/0, 0.0.0.0/1 + 128.0.0.0/1, 0000::/0 ...). Parsing is ipaddr.js's; only the interval union
 * is done here.
 */

export type AddressFamily = "IPv4" | "IPv6";

interface AddressRange {
  family: AddressFamily;
  first: bigint;
  last: bigint;
}

const FAMILY_BITS: Record<AddressFamily, number> = { IPv4: 32, IPv6: 128 };

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((value, byte) => value * BigInt(256) + BigInt(byte), BigInt(0));
}

/** The addresses a CIDR spans (host bits ignored, as AWS does not allow them), or undefined. */
export function cidrRange(cidr: string): AddressRange | undefined {
  const text = cidr.trim();
  if (!ipaddr.isValidCIDR(text)) return undefined;
  const [address, prefix] = ipaddr.parseCIDR(text);
  const family: AddressFamily = address.kind() === "ipv4" ? "IPv4" : "IPv6";
  const size = BigInt(1) << BigInt(FAMILY_BITS[family] - prefix);
  const first = (toBigInt(address.toByteArray()) / size) * size;
  return { family, first, last: first + size - BigInt(1) };
}

/** The address families whose whole space the union of `cidrs` covers (unparsable ones skipped). */
export function worldFamilies(cidrs: readonly string[]): AddressFamily[] {
  const ranges = cidrs.map(cidrRange).filter((r): r is AddressRange => r !== undefined);
  return (Object.keys(FAMILY_BITS) as AddressFamily[]).filter((family) => {
    const sorted = ranges
      .filter((r) => r.family === family)
      .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = BigInt(0); // the first address not covered yet
    for (const range of sorted) {
      if (range.first > next) return false;
      if (range.last + BigInt(1) > next) next = range.last + BigInt(1);
    }
    return next === BigInt(1) << BigInt(FAMILY_BITS[family]);
  });
}

/** True when one CIDR alone spans a whole address family (0.0.0.0/0, ::/0, 0::/0 ...). */
export function isWorldCidr(cidr: string): boolean {
  return worldFamilies([cidr]).length > 0;
}

/** True when CIDR `inner` lies wholly inside `outer` (same family). */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = cidrRange(inner);
  const b = cidrRange(outer);
  if (!a || !b || a.family !== b.family) return false;
  return b.first <= a.first && a.last <= b.last;
}

/** True for a four-part decimal IPv4 CIDR such as 203.0.113.0/24. */
export function isIpv4Cidr(cidr: string): boolean {
  return ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr.trim());
}
