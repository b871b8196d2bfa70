import { AddressFamily, cidrRange, isWorldCidr, worldFamilies } from "./address-space";
import { Ingress, isAllProtocols, isTcpOrUdp } from "./network";

/**
 * Whether a security group's ingress admits the whole internet, judged on the union of every
 * permission that admits the same traffic: tcp/22 from 0.0.0.0/1 in one rule and from
 * 128.0.0.0/1 in another is SSH open to the world, as much as one 0.0.0.0/0 rule is.
 */

/** What one permission, with the rest of its group, opens to a whole address family. */
export interface WorldExposure {
  families: AddressFamily[];
  /** The sources whose union covers those families (this permission's and the others'). */
  sources: string[];
}

/** One kind of traffic: a protocol and, for tcp/udp, a port. */
interface Probe {
  protocol: string;
  port?: number;
}

function admits(ingress: Ingress, probe: Probe): boolean {
  if (isAllProtocols(ingress.protocol)) return true;
  if (ingress.protocol !== probe.protocol) return false;
  return (
    probe.port === undefined || (ingress.fromPort <= probe.port && probe.port <= ingress.toPort)
  );
}

/**
 * The traffic `permission` admits, cut where any permission of the group starts or ends (inside
 * one piece every permission admits all ports or none), leaving out `exemptPorts`.
 */
function probesOf(permission: Ingress, group: Ingress[], exemptPorts: readonly number[]): Probe[] {
  const all = isAllProtocols(permission.protocol);
  if (!all && !isTcpOrUdp(permission.protocol)) return [{ protocol: permission.protocol }];
  const from = all ? 0 : permission.fromPort;
  const to = all ? 65535 : permission.toPort;
  const probes: Probe[] = (all ? ["tcp", "udp"] : [permission.protocol]).flatMap((protocol) => {
    const cuts = new Set<number>([from]);
    for (const other of group) {
      if (isAllProtocols(other.protocol) || other.protocol !== protocol) continue;
      cuts.add(other.fromPort).add(other.toPort + 1);
    }
    for (const port of exemptPorts) cuts.add(port).add(port + 1);
    return [...cuts]
      .filter((port) => from <= port && port <= to && !exemptPorts.includes(port))
      .map((port) => ({ protocol, port }));
  });
  // Protocols other than tcp/udp (icmp, gre ...): only all-protocol permissions admit them.
  if (all) probes.push({ protocol: permission.protocol });
  return probes;
}

/**
 * What `permission` opens to the whole IPv4 or IPv6 internet, together with the other
 * permissions of its group (`group` includes it), on any port but `exemptPorts`; undefined when
 * nothing. A permission that adds nothing to the union (no source of that family) is not blamed.
 */
export function worldExposure(
  permission: Ingress,
  group: Ingress[],
  exemptPorts: readonly number[] = [],
): WorldExposure | undefined {
  const ownFamilies = new Set(permission.cidrs.map((cidr) => cidrRange(cidr)?.family));
  for (const probe of probesOf(permission, group, exemptPorts)) {
    const sources = [...new Set(group.filter((i) => admits(i, probe)).flatMap((i) => i.cidrs))];
    const families = worldFamilies(sources).filter((family) => ownFamilies.has(family));
    if (families.length > 0) {
      return {
        families,
        sources: sources.filter((cidr) => families.some((f) => cidrRange(cidr)?.family === f)),
      };
    }
  }
  return undefined;
}

/** "0.0.0.0/0 and ::/0", or "the whole IPv4 internet (0.0.0.0/1 + 128.0.0.0/1)". */
export function describeWorldSources(exposure: WorldExposure): string {
  const lone = exposure.sources.filter(isWorldCidr);
  if (lone.length > 0) return lone.join(" and ");
  return exposure.families
    .map((family) => {
      const parts = exposure.sources.filter((cidr) => cidrRange(cidr)?.family === family);
      return `the whole ${family} internet (${parts.join(" + ")})`;
    })
    .join(" and ");
}
