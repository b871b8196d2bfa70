import { FilterLogEventsCommand, FilteredLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import { appLogGroupName } from "../../infra/src/appLogs";
import type { ProcessName } from "./remote-commands";

/**
 * `berth logs` on a stack with berth:appLogs: the app's and worker's lines from CloudWatch Logs
 * (the groups the program creates, one stream per host and container), without SSH. nginx's logs
 * stay on the hosts: `--ssh` reads those. The client is injected, so tests run without AWS.
 */

export type { FilteredLogEvent };
/** A FilterLogEvents request. */
export type LogsRequest = FilterLogEventsCommand["input"];

/** The one call this needs from the AWS SDK's CloudWatchLogsClient. */
export interface LogsClient {
  send(command: FilterLogEventsCommand): Promise<{
    events?: FilteredLogEvent[];
    nextToken?: string;
  }>;
}

const PROCESS_GROUP: Record<Exclude<ProcessName, "nginx">, "web" | "worker"> = {
  app: "web",
  worker: "worker",
};

/** The log groups of the processes asked for; nginx has none (its logs stay on the hosts). */
export function logGroupsFor(app: string, stack: string, processes: ProcessName[]): string[] {
  if (processes.includes("nginx"))
    throw new Error(
      "nginx's logs stay on the hosts (only the app's containers log to CloudWatch): add --ssh to read them over SSH",
    );
  return processes.map((p) => appLogGroupName(app, stack, PROCESS_GROUP[p as "app" | "worker"]));
}

/** `--since` as epoch milliseconds: a duration back from now (30s, 10m, 2h, 1d) or a date. */
export function sinceMillis(since: string, now: number): number {
  const duration = /^(\d+)(s|m|h|d)$/.exec(since);
  if (duration) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as "s"];
    return now - Number(duration[1]) * unit;
  }
  const date = Date.parse(since);
  if (Number.isNaN(date))
    throw new Error(
      `--since must be a duration like 10m or 2h, or a date like 2026-11-30T10:00:00Z (got "${since}")`,
    );
  return date;
}

/** One printed line: stream (host/container), the event's time, the message. */
export function formatEvent(event: FilteredLogEvent): string {
  const time = new Date(event.timestamp ?? 0).toISOString();
  return `${event.logStreamName ?? "?"} ${time} ${(event.message ?? "").replace(/\n$/, "")}`;
}

export interface ReadOptions {
  client: LogsClient;
  groups: string[];
  /** Events from this time on (epoch ms). */
  startTime: number;
  /** At most this many of the newest events before following. */
  tail: number;
  follow: boolean;
  out(line: string): void;
  /** Between two polls while following. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Stop following after this many polls (tests); unbounded otherwise. */
  maxPolls?: number;
}

/** Every event of `group` from `startTime`, oldest first, across pages. */
async function eventsOf(client: LogsClient, group: string, startTime: number) {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new FilterLogEventsCommand({ logGroupName: group, startTime, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/**
 * Prints the newest `tail` events of the groups since `startTime`, merged by time; with `follow`,
 * polls for newer ones (each printed once, by event id) until stopped.
 */
export async function readCloudWatchLogs(options: ReadOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const seen = new Set<string>();
  let from = options.startTime;
  const poll = async (limit?: number) => {
    const all = (await Promise.all(options.groups.map((g) => eventsOf(options.client, g, from))))
      .flat()
      .filter((e) => !seen.has(e.eventId ?? ""))
      .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    const shown = limit === undefined ? all : all.slice(Math.max(0, all.length - limit));
    for (const event of all) seen.add(event.eventId ?? "");
    for (const event of shown) options.out(formatEvent(event));
    // Events can arrive late with an older timestamp: ask again from the newest seen, minus a margin.
    const newest = all.at(-1)?.timestamp;
    if (newest !== undefined) from = Math.max(from, newest - 10_000);
  };
  await poll(options.tail);
  for (let polls = 0; options.follow && polls < (options.maxPolls ?? Infinity); polls++) {
    await sleep(options.pollMs ?? 2000);
    await poll();
  }
}
