import { sep } from "node:path";
import {
  AnyPolicy,
  REPO_ROOT,
  FakeResource,
  ProgramRun,
  RegisteredResource,
  isStackPolicy,
  runResourcePolicy,
  runStackPolicy,
} from "./program";
import { Settings, keySettings } from "./settings";

/** One resource in the tree: `parent` is the key of its parent (null at the top). */
export interface PreviewResource {
  key: string;
  type: string;
  name: string;
  parent: string | null;
  settings: Settings;
}

/** What one host would be asked to run. */
export interface PreviewRelease {
  host: string;
  /**
   * The app image by digest and the release's config hash, or null when the image is built
   * during `up`: its digest (and so the hash over the spec) is known only after the build.
   */
  image: string | null;
  configHash: string | null;
  /** Rollout batch, 1 first. */
  batch: number;
}

export interface PreviewVerdict {
  policy: string;
  enforcement: string;
  outcome: "pass" | "violated" | "not-applicable";
  violations: { message: string; resource: string | null }[];
}

/** The whole offline preview of one stack; `--json` prints exactly this. */
export interface PreviewReport {
  stack: string;
  /** Where the release's images come from: built from the repo at `up`, or pinned digests. */
  imageSource: "build" | "pinned";
  resources: PreviewResource[];
  releases: PreviewRelease[];
  verdicts: PreviewVerdict[];
  summary: {
    resources: number;
    byType: Record<string, number>;
    mandatoryViolations: number;
    advisoryViolations: number;
  };
}

/** `type::name`, the identity of a resource across stacks and runs. */
export function keyOf(type: string, name: string): string {
  return `${type}::${name}`;
}

/** `urn:pulumi:stack::project::parent$type::name` -> `type::name` (null for the stack). */
export function keyOfUrn(urn: string): string | null {
  const [, , qualified = "", name = ""] = urn.split("::");
  const type = qualified.split("$").pop() ?? "";
  if (!type || type === "pulumi:pulumi:Stack") return null;
  return keyOf(type, name);
}

/** Paths inside the repository are shown relative to it, so previews compare across machines. */
function relativeToRepo(settings: Settings): Settings {
  const prefix = `${REPO_ROOT}${sep}`;
  return Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [
      k,
      typeof v === "string" && v.startsWith(prefix) ? v.slice(prefix.length) : v,
    ]),
  );
}

function resourceTree(run: ProgramRun): PreviewResource[] {
  return run.resources
    .map((r) => ({
      key: keyOf(r.type, r.name),
      type: r.type,
      name: r.name,
      parent: keyOfUrn(r.parent),
      settings: relativeToRepo(keySettings(r.type, r.inputs)),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

const DEPLOY = /berth-agent deploy .*--image (\S+) --config-hash ([0-9a-f]+)/;

function releases(run: ProgramRun, imageSource: "build" | "pinned"): PreviewRelease[] {
  const deploys = run
    .ofType("command:remote:Command")
    .filter((r) => DEPLOY.test(String(r.inputs.create ?? "")));
  const byUrn = new Map(deploys.map((r) => [r.urn, r]));
  const batchOf = new Map<string, number>();
  const batch = (r: RegisteredResource): number => {
    const known = batchOf.get(r.urn);
    if (known !== undefined) return known;
    const previous = r.dependencies
      .map((urn) => byUrn.get(urn))
      .filter((d): d is RegisteredResource => !!d);
    const value = 1 + Math.max(0, ...previous.map(batch));
    batchOf.set(r.urn, value);
    return value;
  };
  return deploys
    .map((r) => {
      const [, image = "", configHash = ""] = DEPLOY.exec(String(r.inputs.create)) ?? [];
      const pinned = imageSource === "pinned";
      return {
        host: /-(host-\d+)$/.exec(r.name)?.[1] ?? r.name,
        image: pinned ? image : null,
        configHash: pinned ? configHash : null,
        batch: batch(r),
      };
    })
    .sort(
      (a, b) => a.batch - b.batch || a.host.localeCompare(b.host, undefined, { numeric: true }),
    );
}

/** A Go duration as Pulumi records custom timeouts ("20m", "1h30m", "45s") in seconds; 0 when unset. */
export function durationSeconds(text: string | undefined): number {
  if (!text) return 0;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g))
    seconds += Number(amount) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
  return seconds;
}

/** A registered resource as a CrossGuard rule sees it (inputs for resource rules, state for stack rules). */
function asPolicyResource(r: RegisteredResource, props: Record<string, unknown>): FakeResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props,
    opts: {
      protect: false,
      ignoreChanges: r.ignoreChanges,
      aliases: [],
      customTimeouts: {
        createSeconds: durationSeconds(r.customTimeouts?.create),
        updateSeconds: durationSeconds(r.customTimeouts?.update),
        deleteSeconds: durationSeconds(r.customTimeouts?.delete),
      },
      additionalSecretOutputs: r.additionalSecretOutputs,
      ...(r.parent ? { parent: r.parent } : {}),
    },
    dependencies: r.dependencies,
    propertyDependencies: {},
  };
}

/** Runs every rule of the pack on the run's resources, as `--policy-pack policy` would. */
export async function policyVerdicts(
  run: ProgramRun,
  rules: AnyPolicy[],
  config: Record<string, object> = {},
): Promise<PreviewVerdict[]> {
  const custom = run.resources.filter((r) => r.custom && r.urn);
  const verdicts: PreviewVerdict[] = [];
  for (const rule of rules) {
    let applied = false;
    const violations: PreviewVerdict["violations"] = [];
    const collect = (result: {
      applied: boolean;
      violations: { message: string; urn?: string }[];
    }) => {
      applied ||= result.applied;
      for (const v of result.violations)
        violations.push({ message: v.message, resource: v.urn ? keyOfUrn(v.urn) : null });
    };
    if (isStackPolicy(rule)) {
      collect(
        await runStackPolicy(
          rule,
          custom.map((r) => asPolicyResource(r, { ...r.state, id: r.id })),
          config[rule.name],
        ),
      );
    } else {
      for (const r of custom)
        collect(await runResourcePolicy(rule, asPolicyResource(r, r.inputs), config[rule.name]));
    }
    verdicts.push({
      policy: rule.name,
      enforcement: rule.enforcementLevel ?? "advisory",
      outcome: violations.length > 0 ? "violated" : applied ? "pass" : "not-applicable",
      violations,
    });
  }
  return verdicts;
}

/** Builds the report of one stack from its run and the pack's verdicts. */
export function buildReport(run: ProgramRun, verdicts: PreviewVerdict[]): PreviewReport {
  const release = JSON.parse(run.config["berth:release"] ?? "{}") as { digest?: string };
  const imageSource = release.digest ? "pinned" : "build";
  const resources = resourceTree(run);
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  const count = (level: string) =>
    verdicts.filter((v) => v.enforcement === level).reduce((n, v) => n + v.violations.length, 0);
  return {
    stack: run.stack,
    imageSource,
    resources,
    releases: releases(run, imageSource),
    verdicts,
    summary: {
      resources: resources.length,
      byType,
      mandatoryViolations: count("mandatory"),
      advisoryViolations: count("advisory"),
    },
  };
}
