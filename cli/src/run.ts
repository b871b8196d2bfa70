import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";

/**
 * The thin layer that runs the argv arrays the pure builders return. Three shapes: capture the
 * output, optionally feeding stdin (deploy, status, rollback), stream it line by line (logs), or
 * hand over the terminal (ssh, exec).
 */

/** The last line of a command's output (an agent's summary, ssh's error). */
export function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export function capture(
  argv: string[],
  onStderrLine?: (line: string) => void,
  stdin?: string,
): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv as [string, ...string[]];
    const child = spawn(command, args, {
      stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    }) as ChildProcessWithoutNullStreams;
    if (stdin !== undefined) {
      // A remote command may exit without reading all of its stdin: that is not our failure.
      child.stdin.on("error", () => {});
      child.stdin.end(stdin);
    }
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      partial += chunk.toString();
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onStderrLine?.(line);
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(`${command} is not installed`) : error),
    );
    child.on("close", (code) => {
      if (partial) onStderrLine?.(partial);
      resolve({ code: code ?? 255, stdout, stderr });
    });
  });
}

/** Runs argv and calls `onLine` for every stdout and stderr line; resolves with the exit code. */
export function stream(argv: string[], onLine: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv as [string, ...string[]];
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const splitter = () => {
      let partial = "";
      return {
        push(chunk: Buffer) {
          partial += chunk.toString();
          const lines = partial.split("\n");
          partial = lines.pop() ?? "";
          lines.forEach(onLine);
        },
        flush() {
          if (partial) onLine(partial);
        },
      };
    };
    const out = splitter();
    const err = splitter();
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(`${command} is not installed`) : error),
    );
    child.on("close", (code) => {
      out.flush();
      err.flush();
      resolve(code ?? 255);
    });
  });
}

/** Gives argv the terminal (stdin, stdout, stderr); resolves with its exit code. */
export function interactive(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv as [string, ...string[]];
    const child = spawn(command, args, { stdio: "inherit" });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(`${command} is not installed`) : error),
    );
    child.on("close", (code) => resolve(code ?? 255));
  });
}
