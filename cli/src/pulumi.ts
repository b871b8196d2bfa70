import { spawnSync } from "node:child_process";

/** A clear, user-facing failure: the CLI prints the message alone, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export type PulumiRunner = (args: string[]) => {
  status: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
};

/** Runs the Pulumi CLI from PATH; `missing` when there is none. */
export const runPulumiCli: PulumiRunner = (args) => {
  const result = spawnSync("pulumi", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return {
    status: result.status,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    missing,
  };
};

/** `pulumi stack output --json --stack <stack>`, parsed. Every failure names the stack and the fix. */
export function readStackOutputs(
  stack: string,
  run: PulumiRunner = runPulumiCli,
): Record<string, unknown> {
  const result = run(["stack", "output", "--json", "--stack", stack]);
  if (result.missing)
    throw new CliError(
      `the Pulumi CLI is not installed, and reading stack "${stack}"'s outputs needs it: install it (https://www.pulumi.com/docs/iac/download-install/), log in to your state backend (pulumi login), and try again`,
    );
  if (result.status !== 0)
    throw new CliError(
      `pulumi stack output --stack ${stack} failed: ${result.stderr.trim() || `exit code ${result.status}`}; check that you are logged in to the right backend (pulumi login) and that the stack exists (pulumi stack ls)`,
    );
  try {
    return JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    throw new CliError(`pulumi stack output --json --stack ${stack} did not print JSON`);
  }
}
