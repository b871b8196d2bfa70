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
import { findHost } from "../targets";
import { CommandContext } from "./context";

export function registerLogs(
  program: Command,
  { deps, result, target, stackOption }: CommandContext,
): void {
  program
    .command("logs")
    .description("logs of the app, worker and nginx containers across hosts")
    .addOption(stackOption())
    .option("-p, --process <names>", "comma-separated: app, worker, nginx", "app")
    .option("-f, --follow", "keep streaming new lines")
    .option("-n, --tail <lines>", "lines of history per container", "100")
    .option("--since <when>", "only lines since a duration (10m, 2h) or a date")
    .option("-g, --grep <regexp>", "only lines matching this regular expression")
    .option("--host <name>", "one host only")
    .action(
      async (opts: {
        stack: string;
        process: string;
        follow?: boolean;
        tail: string;
        since?: string;
        grep?: string;
        host?: string;
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
