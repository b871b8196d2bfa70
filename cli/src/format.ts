import { AgentStatus, digest12 } from "../../infra/src/agent/contract";

export { parseAgentStatus } from "../../infra/src/agent/contract";

export interface HostStatusRow {
  host: string;
  status?: AgentStatus;
  error?: string;
  /** SSH could not connect (exit 255), as opposed to the agent failing on a reachable host. */
  unreachable?: boolean;
}

function short(digest: string): string {
  return digest ? digest12(digest) : "-";
}

function receiptText(receipt: AgentStatus["lastReceipt"]): string {
  if (!receipt) return "-";
  return [receipt.action, receipt.outcome || "?", receipt.time].filter(Boolean).join(" ");
}

/** A fixed-width table: one line per host, unreachable hosts included with their error. */
export function formatStatusTable(rows: HostStatusRow[]): string {
  const header = ["HOST", "RELEASE", "DIGEST", "HEALTHY", "CONTAINERS", "LAST DEPLOY"];
  const lines = rows.map((row) => {
    if (!row.status)
      return [row.host, "-", "-", row.unreachable ? "unreachable" : "error", "-", row.error ?? ""];
    const s = row.status;
    const running = s.containers.filter((c) => c.state === "running");
    const byRole = ["web", "worker", "proxy"]
      .map((role) => `${role}:${running.filter((c) => c.role === role).length}`)
      .join(" ");
    return [
      row.host,
      s.release || "-",
      short(s.digest),
      s.healthy ? "yes" : "NO",
      byRole,
      receiptText(s.lastReceipt),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  return [header, ...lines]
    .map((cols) =>
      cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  "),
    )
    .join("\n");
}

/** Client-side line filter for `logs --grep`; a bad pattern is a clear error. */
export function lineFilter(pattern: string | undefined): (line: string) => boolean {
  if (pattern === undefined) return () => true;
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (error) {
    throw new Error(
      `--grep "${pattern}" is not a valid regular expression: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return (line) => re.test(line);
}
