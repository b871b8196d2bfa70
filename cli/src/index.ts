import { Command, CommanderError, Option } from "commander";
import { commandContext } from "./commands/context";
import type { LogsClient } from "./cloudwatch-logs";
import { registerDeploy } from "./commands/deploy";
import { registerExec } from "./commands/exec";
import { registerImportHeroku } from "./commands/import-heroku";
import { registerRun } from "./commands/run";
import { registerLogs } from "./commands/logs";
import { registerPromote } from "./commands/promote";
import { registerRollback } from "./commands/rollback";
import { registerSsh } from "./commands/ssh";
import { registerStatus } from "./commands/status";
import { registerSwitchBack } from "./commands/switch-back";
import { localTarget } from "./local";
import { CliError, PulumiRunner, runPulumiCli } from "./pulumi";
import { capture, interactive, stream } from "./run";
import { LOCAL_STACK, REPO_ROOT, Target, assertKnownStack, awsTarget } from "./targets";

/** What the commands touch outside the process; tests replace these. */
export interface CliDeps {
  resolveTarget(stack: string, options: { identity?: string; fleetPrefix?: string }): Target;
  capture: typeof capture;
  stream: typeof stream;
  interactive: typeof interactive;
  pulumi: PulumiRunner;
  root: string;
  out(text: string): void;
  err(text: string): void;
  /** CloudWatch Logs for `berth logs` on a stack with berth:appLogs (tests pass a fake). */
  cloudWatchLogs?(region: string): LogsClient;
}

export const defaultDeps: CliDeps = {
  resolveTarget(stack, options) {
    assertKnownStack(stack);
    return stack === LOCAL_STACK
      ? localTarget({ prefix: options.fleetPrefix })
      : awsTarget(stack, { identityFile: options.identity });
  },
  capture,
  stream,
  interactive,
  pulumi: runPulumiCli,
  root: REPO_ROOT,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Builds the program; `exitCode` collects what the process should exit with. */
export function buildProgram(deps: CliDeps, result: { exitCode: number }): Command {
  const program = new Command("berth")
    .description(
      "Operate a berth stack: the local fleet or an AWS stack, the same commands for both.",
    )
    .option(
      "-i, --identity <file>",
      "SSH private key for AWS hosts (default: your ssh-agent / ssh config)",
    )
    .addOption(
      new Option("--fleet-prefix <prefix>", "local fleet to use (tests run their own)").hideHelp(),
    )
    .showSuggestionAfterError()
    .showHelpAfterError("(berth <command> --help shows a command's options)")
    .exitOverride();
  program.configureOutput({
    writeOut: (s) => deps.out(s.trimEnd()),
    writeErr: (s) => deps.err(s.trimEnd()),
  });

  // The order here is the order `berth --help` lists the commands in.
  const context = commandContext(program, deps, result);
  registerDeploy(program, context);
  registerStatus(program, context);
  registerLogs(program, context);
  registerRun(program, context);
  registerExec(program, context);
  registerRollback(program, context);
  registerSwitchBack(program, context);
  registerSsh(program, context);
  registerPromote(program, context);
  registerImportHeroku(program, context);
  return program;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[], deps: CliDeps = defaultDeps): Promise<number> {
  const result = { exitCode: 0 };
  const program = buildProgram(deps, result);
  if (argv.length === 0) {
    deps.err(program.helpInformation().trimEnd());
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
    if (error instanceof CliError) {
      deps.err(`berth: ${error.message}`);
      return error.exitCode;
    }
    deps.err(`berth: ${(error as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
