import { spawn, spawnSync } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with argv (no shell); returns its output. Rejects on a non-zero exit unless `allowFail`. */
export function run(
  command: string,
  args: string[],
  options: { input?: string; allowFail?: boolean; env?: NodeJS.ProcessEnv; echo?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.echo) process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const result = { code: code ?? 1, stdout, stderr };
      if (result.code !== 0 && !options.allowFail) {
        reject(
          new Error(
            `${command} ${args.slice(0, 3).join(" ")} ... exited with ${result.code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
          ),
        );
      } else resolve(result);
    });
    // A program that exits without reading its stdin must not crash us with EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

export const docker = (args: string[], options: Parameters<typeof run>[2] = {}) =>
  run("docker", args, options);

/** Progress for every step, on stderr so stdout stays for results. */
export function progress(message: string): void {
  process.stderr.write(`[fleet] ${message}\n`);
}

/** `docker ARGS` run to completion, synchronously (host discovery, where callers are synchronous). */
export function dockerSync(args: string[]): RunResult {
  const result = spawnSync("docker", args, { encoding: "utf8" });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT")
    throw new Error("docker is not installed, and the local fleet runs in it: run npm start first");
  return { code: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}
