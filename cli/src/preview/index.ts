import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { diffReports } from "./diff";
import { AnyPolicy, REPO_ROOT, policies, runProgram } from "./program";
import { renderDiff, renderReport } from "./render";
import { PreviewReport, buildReport, policyVerdicts } from "./report";

export class PreviewError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function stacksIn(root: string): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.([a-z0-9][a-z0-9-]*)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => Boolean(s))
    .sort();
}

/** The preview of one stack: the program under mocks, then every rule of the pack. */
export async function previewStack(
  stack: string,
  policyConfig: Record<string, object> = {},
): Promise<PreviewReport> {
  const stacks = stacksIn(REPO_ROOT);
  if (!stacks.includes(stack))
    throw new PreviewError(
      `unknown stack "${stack}": use one of ${stacks.join(", ")} (a Pulumi.<stack>.yaml in the repository root)`,
    );
  let run;
  try {
    run = await runProgram({ stack });
  } catch (error) {
    throw new PreviewError(`the program rejects stack "${stack}":\n${(error as Error).message}`, 1);
  }
  return buildReport(run, await policyVerdicts(run, policies as AnyPolicy[], policyConfig));
}

/** A saved `--json` preview, checked enough to compare against. */
export function readSavedReport(file: string): PreviewReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PreviewError(`${file} is not a saved preview: ${(error as Error).message}`);
  }
  const report = (parsed as { report?: unknown }).report ?? parsed;
  const r = report as Partial<PreviewReport>;
  if (
    typeof r.stack !== "string" ||
    !Array.isArray(r.resources) ||
    !Array.isArray(r.releases) ||
    !Array.isArray(r.verdicts)
  )
    throw new PreviewError(
      `${file} is not a saved preview (want the output of npm run preview:offline -- STACK --json)`,
    );
  return r as PreviewReport;
}

export interface PreviewOutput {
  text: string;
  exitCode: number;
}

/** Runs the command line; returns what to print and the exit code. */
export async function main(argv: string[]): Promise<PreviewOutput> {
  let parsed: { stack: string; other?: string; json?: boolean; policyConfig?: string } | undefined;
  const messages: string[] = [];
  const program = new Command("preview:offline")
    .description(
      "Preview a stack without credentials: the program under mocks with the stack's config, the resource tree, the release per host and every policy verdict.",
    )
    .argument("<stack>", "the stack to preview (a Pulumi.<stack>.yaml)")
    .argument(
      "[other]",
      "another stack, or a saved --json preview, to print the differences against",
    )
    .option("--json", "print the preview (and the differences) as JSON")
    .option("--policy-config <file>", "policy pack config, as for pulumi --policy-pack-config")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => messages.push(s.trimEnd()),
      writeErr: (s) => messages.push(s.trimEnd()),
    })
    .action(
      (
        stack: string,
        other: string | undefined,
        opts: { json?: boolean; policyConfig?: string },
      ) => {
        parsed = { stack, other, ...opts };
      },
    );
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError)
      return {
        text: messages.join("\n"),
        exitCode: error.code === "commander.helpDisplayed" ? 0 : 2,
      };
    throw error;
  }
  if (!parsed) return { text: messages.join("\n"), exitCode: 2 };
  const args = parsed;
  try {
    let policyConfig: Record<string, object> = {};
    if (args.policyConfig) {
      try {
        policyConfig = JSON.parse(readFileSync(args.policyConfig, "utf8")) as Record<
          string,
          object
        >;
      } catch (error) {
        throw new PreviewError(`--policy-config ${args.policyConfig}: ${(error as Error).message}`);
      }
    }
    const isFile = (name: string) =>
      name.endsWith(".json") || existsSync(join(process.cwd(), name));
    const saved =
      args.other !== undefined && isFile(args.other) ? readSavedReport(args.other) : undefined;
    const report = await previewStack(args.stack, policyConfig);
    const other =
      saved ??
      (args.other !== undefined ? await previewStack(args.other, policyConfig) : undefined);
    // Differences read as "what changes going from the other to this stack".
    const diff = other ? diffReports(other, report) : undefined;
    const exitCode = report.summary.mandatoryViolations > 0 ? 1 : 0;
    if (args.json)
      return { text: JSON.stringify(diff ? { report, diff } : report, null, 2), exitCode };
    return {
      text: [renderReport(report), ...(diff ? ["", renderDiff(diff)] : [])].join("\n"),
      exitCode,
    };
  } catch (error) {
    if (error instanceof PreviewError)
      return { text: `preview:offline: ${error.message}`, exitCode: error.exitCode };
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    ({ text, exitCode }) => {
      (exitCode === 0 || exitCode === 1 ? process.stdout : process.stderr).write(`${text}\n`);
      process.exit(exitCode);
    },
    (error: Error) => {
      process.stderr.write(`preview:offline: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
