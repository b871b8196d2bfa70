import { Command, Option } from "commander";
import { CliError } from "../pulumi";
import { CLOCK_SKEW_MS, switchBackAfterFailedUp } from "../switch-back";
import { assertKnownStack } from "../targets";
import { CommandContext } from "./context";

/**
 * `berth switch-back -s <stack> --since <ISO time>`: what `berth deploy` does after a failed
 * `pulumi up`, for an up that ran elsewhere (the Deploy workflow runs `pulumi up` through
 * pulumi/actions, then this). Every host whose last receipt is a deploy, outcome "deployed",
 * timed at or after `--since` (less CLOCK_SKEW_MS) is switched back, all at once, and the same
 * lines as deploy's are printed. Exit 0 when every such host went back (or none took a release),
 * 1 when one could not be switched back, a host's status could not be read or the hosts could
 * not be listed: then the fleet may still run two releases.
 */
export function registerSwitchBack(program: Command, context: CommandContext): void {
  const { deps, result, target, stackOption } = context;
  program
    .command("switch-back")
    .description(
      "after a pulumi up that failed: switch back every host that took a release since --since, all at once",
    )
    .addOption(stackOption())
    .addOption(
      new Option(
        "--since <time>",
        "when the failed up started, an ISO 8601 time with a zone (e.g. 2026-11-30T12:00:00Z)",
      ).argParser((value: string) => parseSince(value)),
    )
    .action(async (opts: { stack: string; since?: string }) => {
      if (opts.since === undefined)
        throw new CliError(
          "switch-back needs --since <time>: when the failed pulumi up started, an ISO 8601 time with a zone (e.g. --since 2026-11-30T12:00:00Z)",
          2,
        );
      assertKnownStack(opts.stack, deps.root);
      deps.err(`berth: looking for hosts that took a release since ${opts.since}`);
      try {
        const after = await switchBackAfterFailedUp(
          target(opts.stack),
          opts.since,
          deps.capture,
          deps.err,
        );
        deps.err(`berth: ${after.message}`);
        if ((after.switchBack && !after.switchBack.ok) || after.choice.unreadable.length > 0)
          result.exitCode = 1;
      } catch (error) {
        deps.err(
          `berth: the switch-back after the failed up stopped: ${(error as Error).message}; see what each host runs with berth status -s ${opts.stack}`,
        );
        result.exitCode = 1;
      }
    });
}

/** ISO 8601 date and time with a zone, to the minute at least (what `date -u +%FT%TZ` prints). */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

/**
 * `--since`'s value, checked: a real calendar time with an explicit zone (a time without one would
 * be read in this machine's zone, hours off on a runner in UTC), and not in the future.
 */
export function parseSince(value: string, now: number = Date.now()): string {
  const bad = (why: string) =>
    new CliError(`--since must be ${why} (got ${JSON.stringify(value)})`, 2);
  const m = ISO_TIME.exec(value);
  if (!m)
    throw bad(
      "an ISO 8601 time with a zone, like 2026-11-30T12:00:00Z or 2026-11-30T13:00:00+01:00",
    );
  const [
    year = 0,
    month = 0,
    day = 0,
    hour = 0,
    minute = 0,
    second = 0,
    zoneHour = 0,
    zoneMinute = 0,
  ] = m.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    zoneHour > 23 ||
    zoneMinute > 59
  )
    throw bad("a real date and time");
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw bad("a time this machine can read");
  if (time > now + CLOCK_SKEW_MS)
    throw bad(
      `the time the failed up started, not in the future (now is ${new Date(now).toISOString()})`,
    );
  return value;
}
