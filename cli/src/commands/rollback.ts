import { Command, Option } from "commander";
import { CliError } from "../pulumi";
import { rollbackHosts } from "../rollout";
import { sshRunner } from "../ssh";
import { findHost } from "../targets";
import { CommandContext, lastLine } from "./context";

export function registerRollback(
  program: Command,
  { deps, target, stackOption }: CommandContext,
): void {
  program
    .command("rollback")
    .description(
      "put every host back on its previous release from its cache, all hosts at once (--one-at-a-time: host after host)",
    )
    .addOption(stackOption())
    .option(
      "--one-at-a-time",
      "roll back one host after another and stop at the first failure (default: every host at once)",
    )
    .addOption(
      new Option(
        "--host <host>",
        "only this host (repeat for more): e.g. the ones a failed switch-back named",
      ).argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .action(async (opts: { stack: string; oneAtATime?: boolean; host?: string[] }) => {
      const t = target(opts.stack);
      const hosts = opts.host ? [...new Set(opts.host.map((name) => findHost(t, name)))] : t.hosts;
      const result = await rollbackHosts(
        hosts,
        t.app,
        t.agentStack,
        sshRunner(t.access, deps.capture),
        { progress: deps.err, verbose: true, oneAtATime: opts.oneAtATime },
      );
      for (const r of result.results) if (!r.error) deps.out(`${r.host}: ${lastLine(r.stdout)}`);
      if (!result.ok) throw new CliError(result.error ?? "rollback failed");
      deps.err(
        `rolled back ${result.rolledBack.length} host(s) ${opts.oneAtATime ? "one at a time" : "at once"} in ${result.ms} ms: ${result.rolledBack.join(", ")}`,
      );
    });
}
