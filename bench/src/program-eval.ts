/**
 * Times the Pulumi program for one stack under mocks, in a process of its own (the Pulumi runtime
 * is process-global, and a fresh process is what `pulumi up` starts). Prints one JSON line.
 *
 *   node -r ts-node/register/transpile-only bench/src/program-eval.ts prod
 */
import { performance } from "node:perf_hooks";
import { spawn } from "node:child_process";
import * as path from "node:path";
import type { ProgramEvaluationFigures } from "./results";

async function main(stack: string): Promise<void> {
  const t0 = performance.now();
  // Imported here, not at the top, so that the import itself is timed.
  const { runProgram } = await import("../../tests/support/pulumi/runProgram");
  const t1 = performance.now();
  const run = await runProgram({ stack });
  const t2 = performance.now();
  await runProgram({ stack });
  const t3 = performance.now();
  process.stdout.write(
    `${JSON.stringify({
      importMs: Math.round(t1 - t0),
      runMs: Math.round(t2 - t1),
      warmRunMs: Math.round(t3 - t2),
      resources: run.resources.length,
    })}\n`,
  );
}

/** Runs this file in a child process and returns its figures. */
export function measureProgramEvaluation(stack: string): Promise<ProgramEvaluationFigures> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", __filename, stack],
      { cwd: path.resolve(__dirname, "..", ".."), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const processMs = Math.round(performance.now() - started);
      const line = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) {
        reject(
          new Error(
            `program evaluation for ${stack} exited with ${code}: ${stderr.trim().split("\n").slice(-5).join(" | ")}`,
          ),
        );
        return;
      }
      const parsed = JSON.parse(line) as {
        importMs: number;
        runMs: number;
        warmRunMs: number;
        resources: number;
      };
      resolve({ stack, ...parsed, processMs });
    });
  });
}

if (require.main === module) {
  main(process.argv[2] ?? "prod").catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
