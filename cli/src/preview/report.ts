import { sep } from "node:path";
import {
  AnyPolicy,
  REPO_ROOT,
  ProgramRun,
  RegisteredResource,
  isStackPolicy,
  policyViewOf,
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

/** Runs every rule of the pack on the run's resources, as `--policy-pack policy` would. */
export async function policyVerdicts(
  run: ProgramRun,
  rules: AnyPolicy[],
  config: Record<string, object> = {},
): Promise<PreviewVerdict[]> {
  const view = policyViewOf(run);
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
      collect(await runStackPolicy(rule, view.outputs, config[rule.name]));
    } else {
      for (const resource of view.inputs)
        collect(await runResourcePolicy(rule, resource, config[rule.name]));
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
