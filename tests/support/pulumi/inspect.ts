import { ProgramRun, RegisteredResource } from "./runProgram";
import { stringsIn } from "./secrets";

/** Every string in a resource's inputs that is NOT inside a Pulumi secret, with its path. */
export function plainStrings(resource: RegisteredResource): { path: string; text: string }[] {
  const insideSecret = (p: string) =>
    resource.secretInputPaths.some(
      (s) => p === s || p.startsWith(`${s}.`) || p.startsWith(`${s}[`),
    );
  return stringsIn(resource.inputs).filter((s) => !insideSecret(s.path));
}

/** Where `needle` appears in plain text: resource inputs outside secrets and non-secret outputs. */
export function plainTextOccurrences(run: ProgramRun, needle: string): string[] {
  const hits: string[] = [];
  for (const r of run.resources)
    for (const s of plainStrings(r))
      if (s.text.includes(needle)) hits.push(`${r.type} ${r.name} ${s.path}`);
  const secretOutput = (p: string) =>
    run.secretOutputPaths.some((s) => p === s || p.startsWith(`${s}.`));
  for (const s of stringsIn(run.outputs))
    if (!secretOutput(s.path) && s.text.includes(needle)) hits.push(`output ${s.path}`);
  return hits;
}

/** One security-group rule, written the way a reviewer reads it. */
export interface RuleView {
  group: string;
  direction: "in" | "out";
  protocol: string;
  ports: string;
  peer: string;
}

/**
 * Every security-group rule of a run, with group ids replaced by the group's logical name
 * (without the network component's prefix), sorted.
 */
export function securityGroupRules(run: ProgramRun, prefix: string): RuleView[] {
  const groupName = new Map(
    run
      .ofType("aws:ec2/securityGroup:SecurityGroup")
      .map((g) => [g.id, g.name.replace(`${prefix}-`, "")]),
  );
  const view = (r: RegisteredResource, direction: "in" | "out"): RuleView => {
    const i = r.inputs as Record<string, string | number | undefined>;
    return {
      group: groupName.get(String(i.securityGroupId)) ?? `?${String(i.securityGroupId)}`,
      direction,
      protocol: String(i.ipProtocol),
      ports: i.fromPort === undefined ? "all" : `${i.fromPort}-${i.toPort}`,
      peer: i.referencedSecurityGroupId
        ? `sg:${groupName.get(String(i.referencedSecurityGroupId)) ?? "?"}`
        : String(i.cidrIpv4 ?? i.cidrIpv6 ?? i.prefixListId),
    };
  };
  return [
    ...run
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .map((r) => view(r, "in")),
    ...run
      .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
      .map((r) => view(r, "out")),
  ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** How many resources of each type a run registered. */
export function inventory(run: ProgramRun): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of run.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
