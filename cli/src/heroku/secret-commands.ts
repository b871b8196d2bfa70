import { randomBytes } from "node:crypto";
import { shellQuote } from "../../../infra/src/agent/invocation";
import { CliError } from "../pulumi";
import type { Captured } from "../run";
import { SecretVar } from "./mapping";

/**
 * Secrets go into the stack through the Pulumi CLI, which encrypts them into Pulumi.<stack>.yaml.
 * The value never goes on a command line: `pulumi config set KEY` with no value reads it from
 * standard input when stdin is not a terminal (all of it, less one trailing newline), and prompts
 * without echo when it is one.
 */

/** The config key a secret env var lives under. */
export function secretConfigKey(name: string): string {
  return `berth:secretEnv.${name}`;
}

/** `pulumi config set --secret` for one secret, value on stdin; `cwd` pins the project directory. */
export function pulumiSecretArgv(stack: string, name: string, cwd?: string): string[] {
  return [
    "pulumi",
    ...(cwd === undefined ? [] : ["--cwd", cwd]),
    "config",
    "set",
    "--secret",
    "--stack",
    stack,
    "--path",
    secretConfigKey(name),
  ];
}

/**
 * The shell line an operator runs to set one secret: its value piped in from where it came from
 * (`jq -j` prints a JSON string raw, without a newline), or a new random value.
 */
export function secretCommandLine(stack: string, secret: SecretVar): string {
  const set = pulumiSecretArgv(stack, secret.name).map(shellQuote).join(" ");
  const source = secret.source;
  if (source.from === "generate") return `openssl rand -hex 32 | ${set}`;
  const filter =
    source.from === "config"
      ? `.${jqKey(secret.name)}`
      : `.env.${jqKey(secret.name)} | if type == "object" then .value else . end`;
  return `jq -j ${shellQuote(filter)} ${shellQuote(source.file)} | ${set}`;
}

function jqKey(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
}

/** A new value for app.json's `generator: "secret"`: 32 random bytes as 64 hex digits. */
export function generateSecretValue(): string {
  return randomBytes(32).toString("hex");
}

export type CaptureWithStdin = (
  argv: string[],
  onStderrLine: undefined,
  stdin: string,
) => Promise<Captured>;

/**
 * Runs `pulumi config set --secret` once per secret, the value on stdin. Stops at the first
 * failure with one line naming the key and pulumi's own last line; says which keys were set.
 */
export async function runSecretCommands(
  stack: string,
  secrets: SecretVar[],
  options: {
    cwd: string;
    capture: CaptureWithStdin;
    out: (line: string) => void;
    generate?: () => string;
  },
): Promise<void> {
  const generate = options.generate ?? generateSecretValue;
  const done: string[] = [];
  for (const secret of secrets) {
    const argv = pulumiSecretArgv(stack, secret.name, options.cwd);
    let result: Captured;
    try {
      result = await options.capture(argv, undefined, secret.value ?? generate());
    } catch (error) {
      throw new CliError(
        `${(error as Error).message}: setting secrets needs the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/), logged in to the stack's backend; nothing was set${done.length ? ` after ${done.join(", ")}` : ""}`,
      );
    }
    if (result.code !== 0) {
      const reason = result.stderr.trim().split("\n").pop() || `exit code ${result.code}`;
      throw new CliError(
        `pulumi config set --secret ${secretConfigKey(secret.name)} --stack ${stack} failed: ${reason}${done.length ? `; already set: ${done.join(", ")}` : ""}`,
      );
    }
    done.push(secret.name);
    options.out(
      `set ${secretConfigKey(secret.name)} (secret, ${secret.source.from === "generate" ? "generated" : `from ${secret.source.file}`})`,
    );
  }
}
