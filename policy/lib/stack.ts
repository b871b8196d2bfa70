import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";

/**
 * Helpers for stack policies, which see every resource's outputs. A reference between two resources
 * (an instance's subnetId, a lifecycle policy's repository) is an output of the referenced resource:
 * its id, arn or name. The engine also reports property dependencies; either is enough to match.
 */

export function ofType(
  resources: PolicyResource[],
  ...types: { new (...rest: never[]): unknown }[]
): PolicyResource[] {
  return resources.filter((r) => types.some((t) => r.isType(t as never)));
}

/** The identifiers another resource may use to refer to `target`. */
function identifiersOf(target: PolicyResource): string[] {
  const props = target.props as Record<string, unknown>;
  return ["id", "arn", "name"]
    .map((key) => props[key])
    .filter((v): v is string => typeof v === "string" && v.length > 0);
}

/** True when `from.props[property]` (a string or a list of strings) refers to `target`. */
export function refersTo(from: PolicyResource, property: string, target: PolicyResource): boolean {
  const value = (from.props as Record<string, unknown>)[property];
  const values = Array.isArray(value) ? value : [value];
  const ids = identifiersOf(target);
  if (values.some((v) => typeof v === "string" && ids.includes(v))) return true;
  return (from.propertyDependencies[property] ?? []).some((dep) => dep.urn === target.urn);
}

/** The subnet resource in this stack that `id` names, if any. */
export function findSubnet(resources: PolicyResource[], id: string): PolicyResource | undefined {
  return ofType(resources, aws.ec2.Subnet).find((subnet) => identifiersOf(subnet).includes(id));
}

/**
 * The availability zone a subnet id lies in. A subnet not created in this stack (an existing VPC)
 * cannot be resolved: it is then counted as a zone of its own, named after the subnet, so the
 * zone rules never block a stack they cannot judge (and say so in the README).
 */
export function zoneOfSubnet(resources: PolicyResource[], subnetId: string): string {
  const subnet = findSubnet(resources, subnetId);
  const props = (subnet?.props ?? {}) as { availabilityZone?: string; availabilityZoneId?: string };
  return props.availabilityZone ?? props.availabilityZoneId ?? `subnet:${subnetId}`;
}
