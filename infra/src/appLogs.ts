/**
 * berth:appLogs: the app's container logs in CloudWatch Logs, one group per app, stack and process
 * type. Pure: names, the retention values CloudWatch accepts, the spec's logging and the role's
 * statement.
 */
import type { ContainerLogging } from "./agent/contract";

/** The retention periods (days) PutRetentionPolicy accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** The process types whose containers log to a group of their own. */
export const LOGGED_PROCESSES = ["web", "worker", "release"] as const;
export type LoggedProcess = (typeof LOGGED_PROCESSES)[number];

/** `/berth/<app>/<stack>/<process>`. */
export function appLogGroupName(app: string, stack: string, process: LoggedProcess): string {
  return `/berth/${app}/${stack}/${process}`;
}

/** What the release spec says about logging: awslogs into the stack's groups. */
export function awsLogging(app: string, stack: string, region: string): ContainerLogging {
  return {
    driver: "awslogs",
    region,
    groups: {
      web: appLogGroupName(app, stack, "web"),
      worker: appLogGroupName(app, stack, "worker"),
      release: appLogGroupName(app, stack, "release"),
    },
  };
}

/**
 * The host role's statement for docker's awslogs driver: create streams in, and write to, these
 * groups only (the driver never creates a group: the program does). `<group ARN>:*` covers the
 * groups' streams.
 */
export function appLogsStatement(logGroupArns: string[]) {
  const groups = [...new Set(logGroupArns)].sort();
  return {
    Sid: "WriteAppLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: groups.flatMap((arn) => [arn, `${arn}:log-stream:*`]),
  };
}
