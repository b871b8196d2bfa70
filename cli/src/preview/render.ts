import { ReportDiff, isEmptyDiff } from "./diff";
import { PreviewReport, PreviewResource } from "./report";
import { Settings } from "./settings";

function settingsText(settings: Settings): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

function tree(resources: PreviewResource[]): string[] {
  const children = new Map<string | null, PreviewResource[]>();
  const keys = new Set(resources.map((r) => r.key));
  for (const r of resources) {
    const parent = r.parent && keys.has(r.parent) ? r.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const settings = settingsText(r.settings);
      lines.push(`${"  ".repeat(depth + 1)}${r.type}  ${r.name}${settings ? `  ${settings}` : ""}`);
      walk(r.key, depth + 1);
    }
  };
  walk(null, 0);
  return lines;
}

/** The human-readable preview of one stack. */
export function renderReport(report: PreviewReport): string {
  const lines = [
    `berth offline preview of stack "${report.stack}": the program run under mocks with Pulumi.${report.stack}.yaml; nothing was sent to AWS.`,
    "",
    `Resources (${report.summary.resources})`,
    ...tree(report.resources),
    "",
    report.imageSource === "build"
      ? "Release per host (images built from app-image/ and nginx/ during up; digests are known after the build)"
      : "Release per host (pinned by berth:release.digest: nothing is built)",
    ...report.releases.map(
      (r) =>
        `  batch ${r.batch}  ${r.host}  ${r.image ?? "image: built during up"}${r.configHash ? `  config ${r.configHash.slice(0, 12)}` : ""}`,
    ),
    "",
  ];
  const counts = { pass: 0, violated: 0, "not-applicable": 0 };
  for (const v of report.verdicts) counts[v.outcome] += 1;
  lines.push(
    `Policy verdicts (${report.verdicts.length} rules: ${counts.pass} pass, ${counts.violated} violated, ${counts["not-applicable"]} not applicable; ` +
      `${report.summary.mandatoryViolations} mandatory and ${report.summary.advisoryViolations} advisory violations)`,
  );
  for (const v of report.verdicts) {
    const outcome = v.outcome === "violated" ? "VIOLATED" : v.outcome;
    lines.push(`  ${outcome.padEnd(14)} ${v.enforcement.padEnd(9)} ${v.policy}`);
    for (const violation of v.violations)
      lines.push(
        `      ${violation.resource ? `${violation.resource}: ` : ""}${violation.message}`,
      );
  }
  return lines.join("\n");
}

function value(v: unknown): string {
  return v === null || v === undefined ? "-" : String(v);
}

/** The human-readable differences between two previews. */
export function renderDiff(diff: ReportDiff): string {
  const lines = [`Differences from "${diff.from}" to "${diff.to}"`];
  if (isEmptyDiff(diff)) return [...lines, "  none"].join("\n");
  if (diff.added.length > 0)
    lines.push(`  only in ${diff.to}:`, ...diff.added.map((k) => `    + ${k}`));
  if (diff.removed.length > 0)
    lines.push(`  only in ${diff.from}:`, ...diff.removed.map((k) => `    - ${k}`));
  if (diff.changed.length > 0) {
    lines.push("  settings:");
    for (const c of diff.changed)
      lines.push(
        `    ~ ${c.key}`,
        ...c.changes.map((s) => `        ${s.setting}: ${value(s.from)} -> ${value(s.to)}`),
      );
  }
  if (diff.releases.length > 0) {
    lines.push("  releases:");
    const text = (r: ReportDiff["releases"][number]["from"]) =>
      r ? `batch ${r.batch} ${r.image ?? "built during up"}` : "no release";
    for (const r of diff.releases) lines.push(`    ~ ${r.host}: ${text(r.from)} -> ${text(r.to)}`);
  }
  if (diff.verdicts.length > 0) {
    lines.push("  policy verdicts:");
    for (const v of diff.verdicts) lines.push(`    ~ ${v.policy}: ${v.from} -> ${v.to}`);
  }
  return lines.join("\n");
}
