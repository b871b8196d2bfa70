import * as command from "@pulumi/command";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { ofType, read } from "../lib/stack";
import { isProductionStack, stageSettings } from "../lib/stage";

const releaseConfig = ruleConfig("release-rolls-in-batches", {
  ...stageSettings,
  releaseCommandMarker: z
    .string()
    .min(1)
    .default("berth-agent deploy")
    .describe("Text in a remote.Command's create command that marks it as a host release."),
});

/** Every resource `start` depends on, directly or through other resources. */
function transitiveDependencies(start: PolicyResource): Set<string> {
  const seen = new Set<string>();
  const pending = [...start.dependencies, ...Object.values(start.propertyDependencies).flat()];
  while (pending.length > 0) {
    const next = pending.pop();
    if (!next || seen.has(next.urn)) continue;
    seen.add(next.urn);
    pending.push(...next.dependencies, ...Object.values(next.propertyDependencies).flat());
  }
  return seen;
}

export const releaseRollsInBatches: StackValidationPolicy = {
  name: "release-rolls-in-batches",
  description:
    "In production, host releases (remote.Commands running the deploy agent) are chained: with two or " +
    "more hosts, at least one release waits for another, so a release that fails its health gate stops " +
    "the rollout and the hosts not yet touched keep serving the old version.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: releaseConfig.configSchema,
  remediationSteps:
    "Keep berth:release.batchSize below berth:hosts.count; each batch dependsOn the previous one.",
  validateStack: (args, reportViolation) => {
    const settings = releaseConfig.read(args);
    const { releaseCommandMarker } = settings;
    if (!isProductionStack(args.resources, settings)) {
      args.notApplicable("not a production stack");
    }
    const releases = ofType(args.resources, command.remote.Command).filter((cmd) =>
      String(read(cmd, "create") ?? "").includes(releaseCommandMarker),
    );
    if (releases.length < 2) args.notApplicable("fewer than two host releases");
    const releaseUrns = new Set(releases.map((r) => r.urn));
    const chained = releases.filter((release) =>
      [...transitiveDependencies(release)].some((urn) => releaseUrns.has(urn)),
    );
    if (chained.length === 0) {
      reportViolation(
        `all ${releases.length} host releases run at once; a failing release could not stop the rollout. Release in batches, each depending on the previous one.`,
      );
    }
  },
};
