import { PreviewRelease, PreviewReport } from "./report";

export interface SettingChange {
  setting: string;
  from: unknown;
  to: unknown;
}

/** What changes going from report `from` to report `to`. */
export interface ReportDiff {
  from: string;
  to: string;
  added: string[];
  removed: string[];
  changed: { key: string; changes: SettingChange[] }[];
  releases: { host: string; from: PreviewRelease | null; to: PreviewRelease | null }[];
  verdicts: { policy: string; from: string; to: string }[];
}

function verdictText(v: { outcome: string; violations: unknown[] } | undefined): string {
  if (!v) return "absent";
  return v.outcome === "violated" ? `violated (${v.violations.length})` : v.outcome;
}

export function diffReports(from: PreviewReport, to: PreviewReport): ReportDiff {
  const fromResources = new Map(from.resources.map((r) => [r.key, r]));
  const toResources = new Map(to.resources.map((r) => [r.key, r]));
  const changed: ReportDiff["changed"] = [];
  for (const [key, after] of toResources) {
    const before = fromResources.get(key);
    if (!before) continue;
    const names = [
      ...new Set([...Object.keys(before.settings), ...Object.keys(after.settings)]),
    ].sort();
    const changes = names
      .filter((n) => JSON.stringify(before.settings[n]) !== JSON.stringify(after.settings[n]))
      .map((n) => ({
        setting: n,
        from: before.settings[n] ?? null,
        to: after.settings[n] ?? null,
      }));
    if (changes.length > 0) changed.push({ key, changes });
  }
  const hosts = [...new Set([...from.releases, ...to.releases].map((r) => r.host))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  const releases = hosts
    .map((host) => ({
      host,
      from: from.releases.find((r) => r.host === host) ?? null,
      to: to.releases.find((r) => r.host === host) ?? null,
    }))
    .filter((r) => JSON.stringify(r.from) !== JSON.stringify(r.to));
  const policies = [...new Set([...from.verdicts, ...to.verdicts].map((v) => v.policy))];
  const verdicts = policies
    .map((policy) => ({
      policy,
      from: verdictText(from.verdicts.find((v) => v.policy === policy)),
      to: verdictText(to.verdicts.find((v) => v.policy === policy)),
    }))
    .filter((v) => v.from !== v.to);
  return {
    from: from.stack,
    to: to.stack,
    added: [...toResources.keys()].filter((k) => !fromResources.has(k)).sort(),
    removed: [...fromResources.keys()].filter((k) => !toResources.has(k)).sort(),
    changed,
    releases,
    verdicts,
  };
}

export function isEmptyDiff(diff: ReportDiff): boolean {
  return (
    diff.added.length +
      diff.removed.length +
      diff.changed.length +
      diff.releases.length +
      diff.verdicts.length ===
    0
  );
}
