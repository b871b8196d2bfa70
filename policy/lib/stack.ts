import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";

/**
 * Helpers for stack policies. A reference between two resources (an instance's subnetId, a
 * lifecycle policy's repository) is matched two ways: through the engine's property dependencies,
 * which are known even during a preview of a new stack, and through the referenced resource's
 * id, arn or name. During a preview those values may be unknown; reading an unknown value throws
 * (the policy SDK's proxy), so every read here is guarded and counts as "no match".
 */

type ResourceClass = { new (...rest: never[]): unknown };

export function ofType(resources: PolicyResource[], ...types: ResourceClass[]): PolicyResource[] {
  return resources.filter((r) => types.some((t) => r.isType(t as never)));
}

/** Reads a property, or undefined when it is unknown (a preview) or missing. */
export function read(resource: PolicyResource, property: string): unknown {
  try {
    return (resource.props as Record<string, unknown>)[property];
  } catch {
    return undefined;
  }
}

/** The identifiers another resource may use to refer to `target` (an S3 bucket's is `bucket`). */
function identifiersOf(target: PolicyResource): string[] {
  return ["id", "arn", "name", "bucket"]
    .map((key) => read(target, key))
    .filter((v): v is string => typeof v === "string" && v.length > 0);
}

/** The string values of a property that holds one id or a list of ids (unknown ones skipped). */
function referenceValues(from: PolicyResource, property: string): string[] {
  const value = read(from, property);
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) return [];
  const values: string[] = [];
  for (let i = 0; i < value.length; i++) {
    try {
      const item: unknown = value[i];
      if (typeof item === "string") values.push(item);
    } catch {
      // unknown during preview
    }
  }
  return values;
}

/** True when `from.props[property]` (one id or a list) refers to `target`. */
export function refersTo(from: PolicyResource, property: string, target: PolicyResource): boolean {
  if ((from.propertyDependencies[property] ?? []).some((dep) => dep.urn === target.urn))
    return true;
  const ids = identifiersOf(target);
  return referenceValues(from, property).some((v) => ids.includes(v));
}

/** The resources among `candidates` that `from.props[property]` refers to. */
export function referenced(
  from: PolicyResource,
  property: string,
  candidates: PolicyResource[],
): PolicyResource[] {
  return candidates.filter((candidate) => refersTo(from, property, candidate));
}

/** How many references a property holds (list length, or 1 for a single value). */
export function referenceCount(from: PolicyResource, property: string): number {
  const value = read(from, property);
  if (Array.isArray(value)) return value.length;
  return value === undefined || value === null || value === "" ? 0 : 1;
}

function zoneOf(subnet: PolicyResource): string | undefined {
  const zone = read(subnet, "availabilityZone") ?? read(subnet, "availabilityZoneId");
  return typeof zone === "string" && zone.length > 0 ? zone : undefined;
}

/**
 * The availability zones of the subnets `from.props[property]` names. A subnet not created in
 * this stack (an existing VPC) cannot be resolved: each such reference counts as a zone of its
 * own, named after the subnet, so the zone rules never block a stack they cannot judge.
 */
export function zonesOfSubnets(
  resources: PolicyResource[],
  from: PolicyResource,
  property: string,
): Set<string> {
  const subnets = referenced(from, property, ofType(resources, aws.ec2.Subnet));
  const zones = new Set<string>();
  for (const subnet of subnets) zones.add(zoneOf(subnet) ?? `subnet ${subnet.name}`);
  const unresolved = referenceValues(from, property).filter(
    (id) => !subnets.some((s) => identifiersOf(s).includes(id)),
  );
  for (const id of unresolved) zones.add(`subnet ${id}`);
  return zones;
}

/** An instance's zone: its own availabilityZone, else its subnet's. */
export function zoneOfInstance(resources: PolicyResource[], instance: PolicyResource): string {
  const own = read(instance, "availabilityZone");
  if (typeof own === "string" && own.length > 0) return own;
  const zones = [...zonesOfSubnets(resources, instance, "subnetId")];
  return zones[0] ?? `unknown zone (${instance.name})`;
}

const ATTACHMENT_TYPES = [aws.lb.TargetGroupAttachment, aws.alb.TargetGroupAttachment];

/**
 * The app hosts: instances registered in a load balancer target group. A bastion or any other
 * helper instance is not registered and so is not an app host. In a stack without target-group
 * attachments every instance counts, so the rules still judge something.
 */
export function appHosts(resources: PolicyResource[]): PolicyResource[] {
  const instances = ofType(resources, aws.ec2.Instance);
  const attachments = ofType(resources, ...ATTACHMENT_TYPES);
  if (attachments.length === 0) return instances;
  return instances.filter((instance) =>
    attachments.some((attachment) => refersTo(attachment, "targetId", instance)),
  );
}
