import type { HostStatus } from "./rollout";

/** A fixed-width table of each host's running release. */
export function renderStatusTable(statuses: HostStatus[]): string {
  const rows = [["HOST", "RELEASE", "DIGEST", "HEALTHY", "CONTAINERS"]];
  for (const s of statuses) {
    const running = s.containers.filter((c) => c.state === "running");
    rows.push([
      s.host,
      s.release || "-",
      s.digest ? s.digest.slice(0, 19) : "-",
      s.healthy ? "yes" : "no",
      running.map((c) => c.role).join(",") || "-",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
