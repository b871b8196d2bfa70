import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { Release, promoteConfigText, releaseFromOutputs } from "../promote";
import { CliError, readStackOutputs } from "../pulumi";
import { LOCAL_STACK, assertKnownStack } from "../targets";
import { CommandContext } from "./context";

/** Promote takes its own stacks (AWS only, with defaults), not the shared `--stack` option. */
export function registerPromote(program: Command, { deps }: CommandContext): void {
  program
    .command("promote")
    .description("write the release another stack runs (by digest) into this stack's config file")
    .addOption(new Option("-s, --stack <stack>", "the stack to promote into").default("prod"))
    .option("--from <stack>", "the stack whose release to take", "staging")
    .option("--expect-digest <digest>", "refuse unless the source stack runs exactly this image")
    .option("--dry-run", "print what would change, write nothing")
    .action((opts: { stack: string; from: string; expectDigest?: string; dryRun?: boolean }) => {
      for (const stack of [opts.from, opts.stack]) {
        assertKnownStack(stack, deps.root);
        if (stack === LOCAL_STACK)
          throw new CliError(
            `promote works between AWS stacks; "${LOCAL_STACK}" is the local fleet`,
            2,
          );
      }
      if (opts.from === opts.stack)
        throw new CliError(
          `promote --from ${opts.from} -s ${opts.stack}: pick two different stacks`,
          2,
        );
      const release: Release = releaseFromOutputs(
        opts.from,
        readStackOutputs(opts.from, deps.pulumi),
      );
      if (opts.expectDigest !== undefined && release.digest !== opts.expectDigest)
        throw new CliError(
          `stack ${opts.from} runs ${release.digest}, not the expected ${opts.expectDigest}: it changed since it was verified; nothing written`,
        );
      const file = join(deps.root, `Pulumi.${opts.stack}.yaml`);
      const { text, previous } = promoteConfigText(readFileSync(file, "utf8"), release);
      for (const key of ["digest", "proxyDigest"] as const)
        deps.out(
          `${opts.stack}: berth:release.${key} ${previous[key] ?? "(builds)"} -> ${release[key]}`,
        );
      if (opts.dryRun) return;
      writeFileSync(file, text);
      deps.out(`wrote Pulumi.${opts.stack}.yaml; deploy it with: pulumi up -s ${opts.stack}`);
    });
}
