import { Command } from "commander";
import { renderRunCommand } from "../remote-commands";
import { sshArgv } from "../ssh";
import { findHost } from "../targets";
import { CommandContext } from "./context";

export function registerRun(
  program: Command,
  { deps, result, target, stackOption }: CommandContext,
): void {
  program
    .command("run")
    .description(
      "run a one-off command in a fresh container of the running release, removed afterwards (a migration, a console; like heroku run)",
    )
    .addOption(stackOption())
    .option("--host <name>", "host to run on (default: the first)")
    .option("-t, --tty", "allocate a terminal (default: when stdin is one)")
    .option("-T, --no-tty", "no terminal, for scripts")
    .argument("<command...>", "the command and its arguments; put -- before it")
    .action(async (argv: string[], opts: { stack: string; host?: string; tty?: boolean }) => {
      const t = target(opts.stack);
      const host = findHost(t, opts.host);
      const tty = opts.tty ?? Boolean(process.stdin.isTTY);
      const command = renderRunCommand({ app: t.app, stack: t.agentStack, argv, interactive: tty });
      result.exitCode = await deps.interactive(sshArgv(host, t.access, command, { tty }));
    });
}
