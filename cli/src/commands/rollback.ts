import { Command } from "commander";
import { CliError } from "../pulumi";
import { rollbackHosts } from "../rollout";
import { sshRunner } from "../ssh";
import { CommandContext, lastLine } from "./context";

export function registerRollback(
  program: Command,
  { deps, target, stackOption }: CommandContext,
): void {
  program
    .command("rollback")
    .description("put every host back on its previous release, one host after another")
    .addOption(stackOption())
    .action(async (opts: { stack: string }) => {
      const t = target(opts.stack);
      const result = await rollbackHosts(
        t.hosts,
        t.app,
        t.agentStack,
        sshRunner(t.access, deps.capture),
        {
          progress: deps.err,
          verbose: true,
        },
      );
      for (const r of result.results) if (!r.error) deps.out(`${r.host}: ${lastLine(r.stdout)}`);
      if (!result.ok) throw new CliError(result.error ?? "rollback failed");
      deps.err(
        `rolled back ${result.results.length} host(s): ${result.results.map((r) => r.host).join(", ")}`,
      );
    });
}
