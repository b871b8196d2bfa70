/**
 * `npm run test:aws -- --region REGION --ssh-cidr A.B.C.D/32`: the acceptance test on a real AWS
 * account (see steps.ts for what it does, docs/deploy-to-aws.md for what it costs). Not part of
 * `npm test`.
 *
 * Exit codes: 0 every check held and the stack is gone; 1 a step or check failed (the stack is
 * gone); 2 it could not start (a bad option or a missing precondition, one line; nothing created);
 * 3 the stack could not be removed (the manual commands are printed).
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { manualCleanupCommands } from "./cleanup";
import { startLoad } from "./load";
import { AcceptanceOptions, parseOptions, USAGE } from "./options";
import { missingPrecondition, Probes, realProbes } from "./preconditions";
import { createProgress } from "./progress";
import { waitForRelease } from "./serving";
import { ephemeralKeyPair } from "./sshKey";
import {
  acceptanceConfig,
  acceptanceStackName,
  acceptanceValues,
  readStackFile,
  REPO_ROOT,
} from "./stackConfig";
import {
  AcceptanceDeps,
  AcceptancePlan,
  AcceptanceResult,
  runAcceptance,
  StackLike,
} from "./steps";
import { createWorkDir } from "./workdir";

export interface MainIo {
  probes: Probes;
  out(line: string): void;
  err(line: string): void;
  /** Runs the acceptance steps; replaced in unit tests, which must never reach it unprepared. */
  run(options: AcceptanceOptions, io: MainIo): Promise<number>;
}

/** Parses, checks the preconditions, runs. Returns the exit code. */
export async function main(argv: string[], io: MainIo): Promise<number> {
  const parsed = parseOptions(argv);
  if (parsed.kind === "help") {
    io.out(USAGE);
    return 0;
  }
  if (parsed.kind === "problem") {
    io.err(`test:aws: ${parsed.problem}`);
    return 2;
  }
  const missing = await missingPrecondition(io.probes, parsed.options.region);
  if (missing) {
    io.err(`test:aws: cannot start: ${missing}`);
    return 2;
  }
  return io.run(parsed.options, io);
}

/** The real run: Automation API, the network, signals and a deadline. */
export async function runForReal(options: AcceptanceOptions, io: MainIo): Promise<number> {
  const stackName = acceptanceStackName(new Date(), randomBytes(3).toString("hex"));
  const keys = ephemeralKeyPair(`berth-acceptance@${stackName}`);
  const base = readStackFile("staging");
  const settings = {
    stackName,
    region: options.region,
    zones: options.zones,
    sshCidr: options.sshCidr,
    instanceType: options.instanceType,
    publicKey: keys.publicKey,
    privateKey: keys.privateKey,
  };
  const values = acceptanceValues(base, settings);
  const app = String(values["berth:app"]);

  // `stop` ends waiting and starting steps; `cancelUp` also cancels a running up.
  const stop = new AbortController();
  const cancelUp = new AbortController();
  const deadline = setTimeout(() => {
    const reason = `the deadline of ${options.deadlineMinutes} minutes passed`;
    stop.abort(reason);
    cancelUp.abort(reason);
  }, options.deadlineMinutes * 60_000);
  let workDir: string | undefined;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      io.err(`test:aws: ${signal}: stopping the running step, then cleaning up (again: exit now)`);
      stop.abort(`interrupted by ${signal}`);
      // A Ctrl-C at a terminal has reached the Pulumi CLI too, which cancels its operation.
      if (!(signal === "SIGINT" && process.stdin.isTTY)) cancelUp.abort(`interrupted by ${signal}`);
      return;
    }
    io.err(`test:aws: ${signal} again: exiting without cleanup; remove ${stackName} by hand:`);
    const target = { stackName, region: options.region, app, workDir: workDir ?? REPO_ROOT };
    for (const command of manualCleanupCommands(target)) io.err(`  ${command}`);
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const progress = createProgress(io.out);
  progress.step(`berth AWS acceptance test: stack ${stackName}, region ${options.region}`);
  const plan: AcceptancePlan = {
    stackName,
    region: options.region,
    app,
    config: acceptanceConfig(base, settings),
    values,
    maxFailed: options.maxFailed,
    policyPacks: [path.join(REPO_ROOT, "policy")],
    repoRoot: REPO_ROOT,
    cleanupScript: options.cleanupScript,
    signal: stop.signal,
    upSignal: cancelUp.signal,
  };
  const deps: AcceptanceDeps = {
    progress,
    pulumiOutput: (text) => process.stdout.write(text),
    print: io.out,
    createWorkDir: () => {
      const work = createWorkDir(REPO_ROOT);
      workDir = work.dir;
      return work;
    },
    createStack: async (name, dir): Promise<StackLike> => {
      const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
      return LocalWorkspace.createStack({ stackName: name, workDir: dir });
    },
    waitForRelease: (url, digest, signal) =>
      waitForRelease(url, digest, { attempts: 60, intervalMs: 5_000, signal }),
    startLoad: (url) =>
      startLoad({
        url,
        ratePerSecond: options.rate,
        maxSeconds: options.deadlineMinutes * 60,
        requestTimeoutMs: 5_000,
        maxInFlight: 100,
      }),
    writeCleanupScript: (file, text) => writeFileSync(file, text, { mode: 0o755 }),
    removeCleanupScript: (file) => rmSync(file, { force: true }),
  };

  let result: AcceptanceResult;
  try {
    result = await runAcceptance(plan, deps);
  } finally {
    clearTimeout(deadline);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const verdict = result.passed ? "PASSED" : "FAILED";
  const cleanup = result.cleanedUp ? "stack removed" : "STACK LEFT BEHIND (see above)";
  progress.step(`result: ${verdict}, ${cleanup}`);
  for (const check of result.passedChecks) progress.info(`ok: ${check}`);
  for (const problem of result.problems) progress.info(`FAILED: ${problem}`);
  if (!result.cleanedUp) return 3;
  return result.passed ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2), {
    probes: realProbes,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    run: runForReal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`test:aws: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
