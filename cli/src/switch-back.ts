/**
 * After a failed `pulumi up` on an AWS stack: the `Release` stops at the failing host, but the
 * hosts of earlier batches (and the failing batch's other hosts) already serve the new release.
 * `berth deploy` then reads every host's status, picks the hosts whose last receipt is a deploy
 * that moved them to a new release during this up, and switches them back with the same parallel
 * rollback the local executor uses, so a failed rollout leaves the whole fleet on one release.
 */
import { HostStatusRow } from "./format";
import { readStatuses } from "./host-status";
import { SwitchBackResult, rollbackHosts } from "./rollout";
import { HostOutput, sshRunner } from "./ssh";
import { Target } from "./targets";

/**
 * How far a host's clock may be behind the operator's. A receipt's time is the host's clock at
 * the end of its deploy, compared with the operator's clock when `pulumi up` started. With the
 * host behind by s seconds, a deploy of this up can carry a time up to s seconds before the up's
 * start, so receipts from that far back still count. EC2 hosts keep time with the Amazon Time
 * Sync Service, well under a second off. The margin cannot catch a deploy of an earlier up: the
 * stack's lock keeps two ups apart, and an up spends more than this on its preview and the steps
 * before the first host's deploy ends.
 */
export const CLOCK_SKEW_MS = 5_000;

export interface SwitchBackChoice {
  /** Hosts whose last receipt is a deploy, outcome "deployed", timed during this up. */
  switchBack: string[];
  /** Hosts left as they are, each with why (one line). */
  leave: { host: string; why: string }[];
  /** Hosts whose status could not be read: nobody knows what they run. */
  unreadable: { host: string; error: string }[];
}

/** Which hosts took a release during an up that started at `upStartedAt` (ISO); pure. */
export function hostsToSwitchBack(
  rows: HostStatusRow[],
  upStartedAt: string,
  skewMs: number = CLOCK_SKEW_MS,
): SwitchBackChoice {
  const since = Date.parse(upStartedAt) - skewMs;
  if (Number.isNaN(since)) throw new Error(`not an ISO time: "${upStartedAt}"`);
  const choice: SwitchBackChoice = { switchBack: [], leave: [], unreadable: [] };
  for (const row of rows) {
    if (!row.status) {
      choice.unreadable.push({ host: row.host, error: row.error ?? "no status" });
      continue;
    }
    const receipt = row.status.lastReceipt;
    const time = receipt ? Date.parse(receipt.time) : NaN;
    if (!receipt) choice.leave.push({ host: row.host, why: "no receipt" });
    else if (receipt.action !== "deploy" || receipt.outcome !== "deployed")
      choice.leave.push({
        host: row.host,
        why: `last receipt: ${receipt.action || "?"} ${receipt.outcome || "?"}`,
      });
    else if (Number.isNaN(time))
      choice.leave.push({ host: row.host, why: `receipt time unreadable: "${receipt.time}"` });
    else if (time < since)
      choice.leave.push({ host: row.host, why: `deployed before this up, at ${receipt.time}` });
    else choice.switchBack.push(row.host);
  }
  return choice;
}

type Capture = (
  argv: string[],
  onStderrLine?: (line: string) => void,
  stdin?: string,
) => Promise<HostOutput>;

export interface AfterFailedUp {
  choice: SwitchBackChoice;
  /** Null when no host qualified. */
  switchBack: SwitchBackResult | null;
  /** One line: what was switched back, what was left and why, what failed and its fix. */
  message: string;
}

/** Reads every host's status, switches back the hosts this up deployed, and says what it did. */
export async function switchBackAfterFailedUp(
  t: Target,
  upStartedAt: string,
  capture: Capture,
  progress: (line: string) => void,
): Promise<AfterFailedUp> {
  const rows = await readStatuses(t, (argv) => capture(argv));
  const choice = hostsToSwitchBack(rows, upStartedAt);
  const left = [
    ...choice.leave.map((l) => `${l.host} (${l.why})`),
    ...choice.unreadable.map((u) => `${u.host} (status unreadable: ${u.error})`),
  ];
  const leftText = left.length ? `; left as they are: ${left.join(", ")}` : "";
  if (choice.switchBack.length === 0)
    return {
      choice,
      switchBack: null,
      message: `no host took a release during this up, nothing to switch back${leftText}`,
    };
  const hosts = t.hosts.filter((h) => choice.switchBack.includes(h.name));
  const switchBack = await rollbackHosts(hosts, t.app, t.agentStack, sshRunner(t.access, capture), {
    progress,
  });
  const failed = switchBack.results.filter((r) => r.error).map((r) => r.error);
  const message = [
    switchBack.rolledBack.length
      ? `switched back ${switchBack.rolledBack.join(", ")} (deployed during this up) in ${switchBack.ms} ms`
      : "switched back no host",
    ...(failed.length
      ? [
          `switch-back FAILED, still on the new release: ${failed.join("; ")} (retry: berth rollback -s ${t.stack} --host ${switchBack.failed.join(" --host ")})`,
        ]
      : []),
  ].join("; ");
  return { choice, switchBack, message: `${message}${leftText}` };
}
