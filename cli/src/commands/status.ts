import { Command } from "commander";
import { backgroundWarnings, formatStatusTable } from "../format";
import { readStatuses } from "../host-status";
import { CommandContext } from "./context";

export function registerStatus(
  program: Command,
  { deps, result, target, stackOption }: CommandContext,
): void {
  program
    .command("status")
    .description(
      "release, health, background work (drain, old workers, prune) and last deploy receipt of every host",
    )
    .addOption(stackOption())
    .option("--json", "print the agents' status documents as JSON")
    .action(async (opts: { stack: string; json?: boolean }) => {
      const rows = await readStatuses(target(opts.stack), (argv) => deps.capture(argv));
      deps.out(opts.json ? JSON.stringify(rows, null, 2) : formatStatusTable(rows));
      // On stderr, so that --json stays one parseable document; the table's BACKGROUND says FAILED.
      for (const warning of backgroundWarnings(rows)) deps.err(warning);
      if (rows.some((r) => !r.status?.healthy)) result.exitCode = 1;
    });
}
