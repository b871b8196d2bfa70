/**
 * Turns a mocked program run (tests/support/pulumi/runProgram) into what the policy analyzer
 * would see: resource rules get each resource's inputs (Analyze runs before a resource is
 * created), stack rules get its outputs with the id (AnalyzeStack runs on the finished stack).
 */
import type { ProgramRun, RegisteredResource } from "../../support/pulumi/runProgram";
import type { FakeResource, StackView } from "./harness";

/** Go-style durations as Pulumi's customTimeouts take them ("20m", "1h30m", "45s"). */
export function durationSeconds(duration: string | undefined): number {
  if (!duration) return 0;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(amount) * (units[unit as string] ?? 0);
  }
  return total;
}

function toFake(resource: RegisteredResource, props: Record<string, unknown>): FakeResource {
  const fake: FakeResource = {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props,
    opts: {
      protect: false,
      ignoreChanges: resource.ignoreChanges,
      aliases: [],
      customTimeouts: {
        createSeconds: durationSeconds(resource.customTimeouts?.create),
        updateSeconds: durationSeconds(resource.customTimeouts?.update),
        deleteSeconds: durationSeconds(resource.customTimeouts?.delete),
      },
      additionalSecretOutputs: resource.additionalSecretOutputs,
      deleteBeforeReplace: resource.deleteBeforeReplace,
    },
    dependencies: resource.dependencies,
    propertyDependencies: {},
  };
  if (resource.parent) fake.opts.parent = resource.parent;
  return fake;
}

/** The custom resources of a run, as the analyzer's two phases see them. */
export function policyViewOf(run: ProgramRun): StackView {
  const custom = run.resources.filter((r) => r.custom && r.urn);
  return {
    inputs: custom.map((r) => toFake(r, r.inputs)),
    outputs: custom.map((r) => toFake(r, { ...r.state, id: r.id })),
  };
}
