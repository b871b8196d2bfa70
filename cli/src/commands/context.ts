import { Command, Option } from "commander";
import type { CliDeps } from "../index";
import { LOCAL_STACK, Target } from "../targets";

/** What every command's registration shares: built once per program by `commandContext`. */
export interface CommandContext {
  deps: CliDeps;
  /** `exitCode` collects what the process should exit with. */
  result: { exitCode: number };
  /** The stack's target, resolved with the program's global options (-i, --fleet-prefix). */
  target(stack: string): Target;
  /** A fresh mandatory `-s, --stack <stack>` option (commander needs one instance per command). */
  stackOption(): Option;
}

const STACK_HELP = `stack: ${LOCAL_STACK} (the local fleet from npm start) or an AWS stack (a Pulumi.<stack>.yaml)`;

export function commandContext(
  program: Command,
  deps: CliDeps,
  result: { exitCode: number },
): CommandContext {
  return {
    deps,
    result,
    target(stack) {
      const globals = program.opts<{ identity?: string; fleetPrefix?: string }>();
      return deps.resolveTarget(stack, {
        identity: globals.identity,
        fleetPrefix: globals.fleetPrefix,
      });
    },
    stackOption: () => new Option("-s, --stack <stack>", STACK_HELP).makeOptionMandatory(),
  };
}

export { lastLine } from "../run";
