import { AgentStatus, BackgroundOutcome, digest12 } from "../../infra/src/agent/contract";

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

/**
 * The loud line for a summary that reports the previous deploy's failed background work
 * (drain, old workers, prune), or null when there is none.
 */
export function backgroundFailureWarning(
  host: string,
  failure: BackgroundOutcome | null | undefined,
): string | null {
  if (!failure || failure.state !== "failed") return null;
  const at = failure.time ? ` at ${failure.time}` : "";
  return `WARNING: ${host}: the background work after deploying ${failure.release || "?"} (drain, old workers, prune) failed${at}: ${failure.reason || "no reason recorded"}; the previous release's containers may still run there (berth status --json lists them)`;
}

/** The latest deploy's background work on a host (agents before it existed report none). */
function backgroundOf(status: AgentStatus): BackgroundOutcome | null {
  return status.background ?? null;
}

/** The BACKGROUND column: running, succeeded, FAILED, or "-" when none ran. */
function backgroundText(background: BackgroundOutcome | null): string {
  if (!background) return "-";
  return background.state === "failed" ? "FAILED" : background.state;
}

/** One loud line per host whose latest background work (drain, old workers, prune) failed. */
export function backgroundWarnings(rows: HostStatusRow[]): string[] {
  return rows
    .map((row) =>
      row.status ? backgroundFailureWarning(row.host, backgroundOf(row.status)) : null,
    )
    .filter((line): line is string => line !== null);
}

/** A fixed-width table: one line per host, unreachable hosts included with their error. */
export function formatStatusTable(rows: HostStatusRow[]): string {
  const header = [
    "HOST",
    "RELEASE",
    "DIGEST",
    "HEALTHY",
    "CONTAINERS",
    "BACKGROUND",
    "LAST DEPLOY",
  ];
  const lines = rows.map((row) => {
    if (!row.status)
      return [
        row.host,
        "-",
        "-",
        row.unreachable ? "unreachable" : "error",
        "-",
        "-",
        row.error ?? "",
      ];
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
      backgroundText(backgroundOf(s)),
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
