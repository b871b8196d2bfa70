/**
 * What the acceptance test needs before it creates anything: the Pulumi CLI, AWS credentials, a
 * Pulumi backend login and a Docker engine. The first one missing is reported as one line, and
 * the test stops there, having created nothing. The probes are injected, so every message is
 * unit-tested without any of these present.
 */
import { execFile, ExecFileException } from "node:child_process";
import { existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface CommandResult {
  /** False when the program is not on PATH. */
  found: boolean;
  /** Exit code (null when killed, e.g. by the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Probes {
  run(command: string, args: string[]): Promise<CommandResult>;
  env: Record<string, string | undefined>;
  fileExists(file: string): boolean;
  home: string;
}

/** The first non-empty line of a command's output, short enough for a one-line message. */
export function firstLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const trimmed = line.trim();
  return trimmed.length > 160 ? `${trimmed.slice(0, 157)}...` : trimmed;
}

function failure(command: string, result: CommandResult): string {
  if (!result.found) return `\`${command}\` is not on PATH`;
  const said = firstLine(result.stderr) || firstLine(result.stdout);
  const exit = result.code === null ? "did not finish" : `exited ${result.code}`;
  return `\`${command}\` ${exit}${said ? `: ${said}` : ""}`;
}

/** Credentials the AWS SDK (and so the Pulumi AWS provider) picks up without any CLI. */
export function credentialSource(probes: Pick<Probes, "env" | "fileExists" | "home">) {
  const env = probes.env;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return "AWS_ACCESS_KEY_ID";
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return "AWS_WEB_IDENTITY_TOKEN_FILE";
  if (env.AWS_PROFILE) return `AWS_PROFILE=${env.AWS_PROFILE}`;
  const shared = env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(probes.home, ".aws", "credentials");
  if (probes.fileExists(shared)) return shared;
  return undefined;
}

/**
 * The first precondition that does not hold, as one line, or undefined when all hold. In order:
 * the Pulumi CLI, AWS credentials, the Pulumi backend login, the Docker engine.
 */
export async function missingPrecondition(
  probes: Probes,
  region: string,
): Promise<string | undefined> {
  const pulumi = await probes.run("pulumi", ["version"]);
  if (!pulumi.found || pulumi.code !== 0)
    return `no Pulumi CLI: ${failure("pulumi version", pulumi)}; install it from https://www.pulumi.com/docs/iac/download-install/`;

  // The AWS CLI, when present, asks AWS itself; without it, what the SDK would find must exist.
  const sts = await probes.run("aws", ["sts", "get-caller-identity", "--region", region]);
  if (sts.found && sts.code !== 0)
    return `no usable AWS credentials: ${failure("aws sts get-caller-identity", sts)}`;
  if (!sts.found && credentialSource(probes) === undefined)
    return "no AWS credentials: set AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (or install the AWS CLI and log in)";

  const whoami = await probes.run("pulumi", ["whoami"]);
  if (whoami.code !== 0)
    return `no Pulumi backend login: ${failure("pulumi whoami", whoami)}; run pulumi login, or set PULUMI_ACCESS_TOKEN or PULUMI_BACKEND_URL`;

  const docker = await probes.run("docker", ["info", "--format", "{{.ServerVersion}}"]);
  if (!docker.found || docker.code !== 0)
    return `no Docker engine (the first up builds the image): ${failure("docker info", docker)}`;
  return undefined;
}

/** Runs a command with a timeout; a missing program is `found: false`, never an exception. */
export function runCommand(
  command: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, encoding: "utf8" },
      (error: ExecFileException | null, stdout, stderr) => {
        if (error?.code === "ENOENT") {
          resolve({ found: false, code: null, stdout: "", stderr: "" });
          return;
        }
        const exit = !error ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ found: true, code: exit, stdout, stderr });
      },
    );
  });
}

export const realProbes: Probes = {
  run: (command, args) => runCommand(command, args),
  env: process.env,
  fileExists: existsSync,
  home: os.homedir(),
};
