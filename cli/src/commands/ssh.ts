import { Command } from "commander";
import { sshArgv } from "../ssh";
import { findHost } from "../targets";
import { CommandContext } from "./context";

export function registerSsh(
  program: Command,
  { deps, result, target, stackOption }: CommandContext,
): void {
  program
    .command("ssh")
    .description("open a shell on one host (through the bastion when the stack has one)")
    .addOption(stackOption())
    .argument("[host]", "host name from `berth status` (default: the first)")
    .action(async (hostName: string | undefined, opts: { stack: string }) => {
      const t = target(opts.stack);
      result.exitCode = await deps.interactive(
        sshArgv(findHost(t, hostName), t.access, undefined, { tty: true }),
      );
    });
}
