import { Command, Option } from "commander";
import { renderExecCommand } from "../remote-commands";
import { sshArgv } from "../ssh";
import { findHost } from "../targets";
import { CommandContext } from "./context";

export function registerExec(
  program: Command,
  { deps, result, target, stackOption }: CommandContext,
): void {
  program
    .command("exec")
    .description(
      "run a command inside a container that serves now (the release's web container, or a worker), to look at the live process; `run` starts a fresh one instead",
    )
    .addOption(stackOption())
    .option("--host <name>", "host to run on (default: the first)")
    .addOption(
      new Option("-p, --process <process>", "which container")
        .choices(["app", "worker"])
        .default("app"),
    )
    .option("-t, --tty", "allocate a terminal (default: when stdin is one)")
    .option("-T, --no-tty", "no terminal, for scripts")
    .argument("<command...>", "the command and its arguments; put -- before it")
    .action(
      async (
        argv: string[],
        opts: { stack: string; host?: string; process: "app" | "worker"; tty?: boolean },
      ) => {
        const t = target(opts.stack);
        const host = findHost(t, opts.host);
        const tty = opts.tty ?? Boolean(process.stdin.isTTY);
        const command = renderExecCommand({
          app: t.app,
          stack: t.agentStack,
          argv,
          interactive: tty,
          role: opts.process === "worker" ? "worker" : "web",
        });
        result.exitCode = await deps.interactive(sshArgv(host, t.access, command, { tty }));
      },
    );
}
