import { existsSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { lineFilter } from "../format";
import { CliError } from "../pulumi";
import {
  ProcessName,
  assertValidLogsRequest,
  isProcessName,
  renderLogsCommand,
} from "../remote-commands";
import { sshArgv } from "../ssh";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { LogsClient, logGroupsFor, readCloudWatchLogs, sinceMillis } from "../cloudwatch-logs";
import { LOCAL_STACK, findHost, readStackConfig } from "../targets";
import { CommandContext } from "./context";

export function registerLogs(
  program: Command,
  { deps, result, target, stackOption }: CommandContext,
): void {
  program
    .command("logs")
    .description(
      "logs of the app, worker and nginx containers: from CloudWatch on a stack with berth:appLogs, else over SSH from every host",
    )
    .addOption(stackOption())
    .option("-p, --process <names>", "comma-separated: app, worker, nginx", "app")
    .option("-f, --follow", "keep streaming new lines")
    .option("-n, --tail <lines>", "lines of history per container", "100")
    .option("--since <when>", "only lines since a duration (10m, 2h) or a date")
    .option("-g, --grep <regexp>", "only lines matching this regular expression")
    .option("--host <name>", "one host only (over SSH)")
    .option("--ssh", "read the hosts' docker logs over SSH even where the stack logs to CloudWatch")
    .action(
      async (opts: {
        stack: string;
        process: string;
        follow?: boolean;
        tail: string;
        since?: string;
        grep?: string;
        host?: string;
        ssh?: boolean;
      }) => {
        const processes = opts.process.split(",").map((p) => p.trim());
        const unknown = processes.filter((p) => !isProcessName(p));
        if (unknown.length > 0)
          throw new CliError(
            `unknown process "${unknown.join(", ")}": use app, worker or nginx (comma-separated)`,
            2,
          );
        const request = {
          processes: processes as ProcessName[],
          tail: Number(opts.tail),
          follow: Boolean(opts.follow),
          since: opts.since,
        };
        let keep: (line: string) => boolean;
        try {
          assertValidLogsRequest(request);
          keep = lineFilter(opts.grep);
        } catch (error) {
          throw new CliError((error as Error).message, 2);
        }
        const cloudWatch = !opts.ssh && !opts.host && cloudWatchRegion(opts.stack, deps.root);
        if (cloudWatch) {
          const app = String(readStackConfig(opts.stack, deps.root)["berth:app"]);
          let groups: string[];
          let startTime: number;
          try {
            groups = logGroupsFor(app, opts.stack, request.processes);
            startTime = sinceMillis(opts.since ?? "1h", Date.now());
          } catch (error) {
            throw new CliError((error as Error).message, 2);
          }
          const client = (deps.cloudWatchLogs ?? defaultLogsClient)(cloudWatch);
          try {
            await readCloudWatchLogs({
              client,
              groups,
              startTime,
              tail: request.tail,
              follow: request.follow,
              out: (line) => {
                if (keep(line)) deps.out(line);
              },
            });
          } catch (error) {
            throw new CliError(
              `reading CloudWatch Logs (${groups.join(", ")}) in ${cloudWatch} failed: ${(error as Error).message}; it needs AWS credentials of the stack's account (AWS_PROFILE, aws sso login), or add --ssh to read the hosts instead`,
            );
          }
          return;
        }
        const t = target(opts.stack);
        const hosts = opts.host ? [findHost(t, opts.host)] : t.hosts;
        const codes = await Promise.all(
          hosts.map((host) =>
            deps.stream(
              sshArgv(
                host,
                t.access,
                renderLogsCommand({ app: t.app, stack: t.agentStack, ...request }),
              ),
              (line) => {
                if (keep(line)) deps.out(`${host.name} ${line}`);
              },
            ),
          ),
        );
        if (codes.some((c) => c !== 0)) result.exitCode = 1;
      },
    );
}

/** The region of an AWS stack whose app logs go to CloudWatch (berth:appLogs.enabled), else false. */
function cloudWatchRegion(stack: string, root: string): string | false {
  if (stack === LOCAL_STACK || !existsSync(join(root, `Pulumi.${stack}.yaml`))) return false;
  const config = readStackConfig(stack, root);
  const appLogs = config["berth:appLogs"] as { enabled?: unknown } | undefined;
  const enabled = appLogs?.enabled === true || appLogs?.enabled === "true";
  return enabled ? String(config["aws:region"]) : false;
}

const defaultLogsClient = (region: string): LogsClient => new CloudWatchLogsClient({ region });
