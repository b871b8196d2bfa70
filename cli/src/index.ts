import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { renderRollbackCommand, renderStatusCommand } from "../../infra/src/agent/invocation";
import {
  ProcessName,
  assertValidLogsRequest,
  isProcessName,
  renderExecCommand,
  renderLogsCommand,
} from "./commands";
import { HostStatusRow, formatStatusTable, lineFilter, parseAgentStatus } from "./format";
import { localTarget } from "./local";
import { Release, promoteConfigText, releaseFromOutputs } from "./promote";
import { CliError, PulumiRunner, readStackOutputs, runPulumiCli } from "./pulumi";
import { capture, interactive, stream } from "./run";
import { sshArgv } from "./ssh";
import { LOCAL_STACK, REPO_ROOT, Target, assertKnownStack, awsTarget, findHost } from "./targets";

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

const STACK_HELP = `stack: ${LOCAL_STACK} (the local fleet from npm start) or an AWS stack (a Pulumi.<stack>.yaml)`;

/** ssh's exit code when it could not connect or authenticate (a remote command's own codes pass through). */
const SSH_CONNECT_FAILED = 255;

function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}

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

  const target = (stack: string): Target => {
    const globals = program.opts<{ identity?: string; fleetPrefix?: string }>();
    return deps.resolveTarget(stack, {
      identity: globals.identity,
      fleetPrefix: globals.fleetPrefix,
    });
  };
  const stackOption = () => new Option("-s, --stack <stack>", STACK_HELP).makeOptionMandatory();

  program
    .command("status")
    .description("release, health and last deploy receipt of every host")
    .addOption(stackOption())
    .option("--json", "print the agents' status documents as JSON")
    .action(async (opts: { stack: string; json?: boolean }) => {
      const t = target(opts.stack);
      const rows: HostStatusRow[] = await Promise.all(
        t.hosts.map(async (host) => {
          const r = await deps.capture(
            sshArgv(host, t.access, renderStatusCommand(t.app, t.agentStack)),
          );
          if (r.code !== 0)
            return {
              host: host.name,
              error: lastLine(r.stderr) || `exit code ${r.code}`,
              unreachable: r.code === SSH_CONNECT_FAILED,
            };
          try {
            return { host: host.name, status: parseAgentStatus(r.stdout) };
          } catch (error) {
            return { host: host.name, error: (error as Error).message };
          }
        }),
      );
      deps.out(opts.json ? JSON.stringify(rows, null, 2) : formatStatusTable(rows));
      if (rows.some((r) => !r.status?.healthy)) result.exitCode = 1;
    });

  program
    .command("logs")
    .description("logs of the app, worker and nginx containers across hosts")
    .addOption(stackOption())
    .option("-p, --process <names>", "comma-separated: app, worker, nginx", "app")
    .option("-f, --follow", "keep streaming new lines")
    .option("-n, --tail <lines>", "lines of history per container", "100")
    .option("--since <when>", "only lines since a duration (10m, 2h) or a date")
    .option("-g, --grep <regexp>", "only lines matching this regular expression")
    .option("--host <name>", "one host only")
    .action(
      async (opts: {
        stack: string;
        process: string;
        follow?: boolean;
        tail: string;
        since?: string;
        grep?: string;
        host?: string;
      }) => {
        const processes = opts.process.split(",").map((p) => p.trim());
        const unknown = processes.filter((p) => !isProcessName(p));
        if (unknown.length > 0)
          throw new CliError(
            `unknown process "${unknown.join(", ")}": use app, worker or nginx (comma-separated)`,
            2,
          );
        const request = {
          processes: processes as ProcessName[],
          tail: Number(opts.tail),
          follow: Boolean(opts.follow),
          since: opts.since,
        };
        let keep: (line: string) => boolean;
        try {
          assertValidLogsRequest(request);
          keep = lineFilter(opts.grep);
        } catch (error) {
          throw new CliError((error as Error).message, 2);
        }
        const t = target(opts.stack);
        const hosts = opts.host ? [findHost(t, opts.host)] : t.hosts;
        const codes = await Promise.all(
          hosts.map((host) =>
            deps.stream(
              sshArgv(
                host,
                t.access,
                renderLogsCommand({ app: t.app, stack: t.agentStack, ...request }),
              ),
              (line) => {
                if (keep(line)) deps.out(`${host.name} ${line}`);
              },
            ),
          ),
        );
        if (codes.some((c) => c !== 0)) result.exitCode = 1;
      },
    );

  program
    .command("exec")
    .description(
      "run a one-off command in a fresh container of the running release (console, migration)",
    )
    .addOption(stackOption())
    .option("--host <name>", "host to run on (default: the first)")
    .option("-t, --tty", "allocate a terminal (default: when stdin is one)")
    .option("-T, --no-tty", "no terminal, for scripts")
    .argument("<command...>", "the command and its arguments; put -- before it")
    .action(async (argv: string[], opts: { stack: string; host?: string; tty?: boolean }) => {
      const t = target(opts.stack);
      const host = findHost(t, opts.host);
      const tty = opts.tty ?? Boolean(process.stdin.isTTY);
      const command = renderExecCommand({
        app: t.app,
        stack: t.agentStack,
        argv,
        interactive: tty,
      });
      result.exitCode = await deps.interactive(sshArgv(host, t.access, command, { tty }));
    });

  program
    .command("rollback")
    .description("put every host back on its previous release, one host after another")
    .addOption(stackOption())
    .action(async (opts: { stack: string }) => {
      const t = target(opts.stack);
      const done: string[] = [];
      for (const host of t.hosts) {
        deps.err(`rolling back ${host.name} ...`);
        const r = await deps.capture(
          sshArgv(host, t.access, renderRollbackCommand(t.app, t.agentStack)),
          (line) => deps.err(`  ${host.name} | ${line}`),
        );
        if (r.code !== 0) {
          const untouched = t.hosts.slice(done.length + 1).map((h) => h.name);
          let reason = lastLine(r.stderr) || `exit code ${r.code}`;
          try {
            reason = (JSON.parse(lastLine(r.stdout)) as { reason?: string }).reason || reason;
          } catch {
            // not the agent's summary (e.g. SSH failed): keep stderr's last line
          }
          throw new CliError(
            `rollback failed on ${host.name}: ${reason}. Rolled back: ${done.join(", ") || "none"}; not touched: ${untouched.join(", ") || "none"}`,
          );
        }
        done.push(host.name);
        deps.out(`${host.name}: ${lastLine(r.stdout)}`);
      }
      deps.err(`rolled back ${done.length} host(s): ${done.join(", ")}`);
    });

  program
    .command("ssh")
    .description("open a shell on one host (through the bastion when the stack has one)")
    .addOption(stackOption())
    .argument("[host]", "host name from `berth status` (default: the first)")
    .action(async (hostName: string | undefined, opts: { stack: string }) => {
      const t = target(opts.stack);
      result.exitCode = await deps.interactive(
        sshArgv(findHost(t, hostName), t.access, undefined, { tty: true }),
      );
    });

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
