import { CronExpressionParser } from "cron-parser";
import { JOB_NAME_PATTERN, ScheduledJob } from "./agent/contract";

/**
 * `berth:schedule`: cron expressions turned, once, into the minute/hour/day/month/weekday lists
 * the agent matches the current UTC time against (jq, no cron parser on the host). The rollout's
 * first host runs the jobs; every minute its timer calls `berth-agent tick`.
 */

/** What a team writes in `berth:schedule`. */
export interface ScheduleEntry {
  /** Names the job in logs and container names. */
  name: string;
  /** Five fields (minute hour day-of-month month day-of-week), UTC, or @hourly/@daily/@weekly/@monthly/@yearly. */
  cron: string;
  /** The command, as argv, run in a one-off container of the current release. */
  command: string[];
}

export const JOB_NAME = new RegExp(JOB_NAME_PATTERN);
const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"];

/** Why `cron` cannot be scheduled, in one line that follows the expression, or undefined. */
export function cronProblem(cron: string): string | undefined {
  const text = cron.trim();
  const fields = text.split(/\s+/);
  if (text.startsWith("@")) {
    if (!MACROS.includes(text))
      return `is not a schedule macro berth knows (use one of ${MACROS.join(", ")}, or five fields)`;
  } else if (fields.length !== 5)
    return `has ${fields.length} fields; berth takes five (minute hour day-of-month month day-of-week, in UTC), like "*/15 * * * *"`;
  else if (/[LW#?]/i.test(text))
    return `uses L, W, # or ?, which berth's scheduler does not match; write the days out`;
  try {
    CronExpressionParser.parse(text, { tz: "UTC" });
  } catch (error) {
    return `is not a valid cron expression: ${(error as Error).message}`;
  }
  return undefined;
}

const unique = (values: readonly (number | string)[]) =>
  [...new Set(values.map(Number))].sort((a, b) => a - b);

/** The job as the agent matches it: the values of each field, and how the two day fields combine. */
export function scheduledJob(entry: ScheduleEntry): ScheduledJob {
  const problem = cronProblem(entry.cron);
  if (problem) throw new Error(`schedule job ${entry.name}: "${entry.cron}" ${problem}`);
  const text = entry.cron.trim();
  const fields = CronExpressionParser.parse(text, { tz: "UTC" }).fields;
  const dayOfWeek = unique(fields.dayOfWeek.values.map((d) => Number(d) % 7));
  const dayOfMonth = unique(fields.dayOfMonth.values);
  // cron's rule: when both day fields are restricted, a day matches if either does.
  const [, , domText, , dowText] = text.startsWith("@") ? [] : text.split(/\s+/);
  const domRestricted = domText ? !domText.startsWith("*") : dayOfMonth.length < 31;
  const dowRestricted = dowText ? !dowText.startsWith("*") : dayOfWeek.length < 7;
  return {
    name: entry.name,
    cron: text,
    command: entry.command,
    minute: unique(fields.minute.values),
    hour: unique(fields.hour.values),
    dayOfMonth,
    month: unique(fields.month.values),
    dayOfWeek,
    days: domRestricted && dowRestricted ? "either" : "both",
  };
}
