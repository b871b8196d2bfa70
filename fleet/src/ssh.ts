import { Client } from "ssh2";
import { waitFor } from "./wait";

/** One host as the deployer sees it: an SSH endpoint with a pinned host key. */
export interface SshTarget {
  /** Display name (host-1). */
  name: string;
  host: string;
  port: number;
  username: string;
  privateKey: string;
  /** The host's public key line (`ssh-ed25519 AAAA...`); the connection fails on any other key. */
  hostKey: string;
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command on a host over SSH with `stdin` as its standard input, like `remote.Command`
 * does on AWS. Rejects when the host cannot be reached or its key does not match.
 */
export function sshExec(
  target: SshTarget,
  command: string,
  stdin = "",
  options: { onStderrLine?: (line: string) => void; readyTimeoutMs?: number } = {},
): Promise<SshResult> {
  const expectedKey = Buffer.from(target.hostKey.trim().split(/\s+/)[1] ?? "", "base64");
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let settled = false;
    const settle = (error: Error | null, result?: SshResult) => {
      if (settled) return;
      settled = true;
      conn.end();
      if (error) reject(error);
      else resolve(result as SshResult);
    };
    conn.on("ready", () => {
      conn.exec(command, (err, stream) => {
        if (err)
          return settle(new Error(`${target.name}: could not start the command: ${err.message}`));
        let stdout = "";
        let stderr = "";
        let partial = "";
        stream.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        stream.stderr.on("data", (chunk: Buffer) => {
          const text = chunk.toString();
          stderr += text;
          partial += text;
          const lines = partial.split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) options.onStderrLine?.(line);
        });
        stream.on("close", (code: number | null) => {
          if (partial) options.onStderrLine?.(partial);
          settle(null, { code: code ?? 255, stdout, stderr });
        });
        stream.end(stdin);
      });
    });
    conn.on("error", (err) =>
      settle(
        new Error(
          `${target.name} (${target.host}:${target.port}) is unreachable over SSH: ${err.message}`,
        ),
      ),
    );
    conn.on("close", () =>
      settle(new Error(`${target.name}: the SSH connection closed before the command finished`)),
    );
    conn.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: options.readyTimeoutMs ?? 10000,
      hostVerifier: (key: Buffer) => key.equals(expectedKey),
    });
  });
}

/**
 * Waits until a host runs commands over SSH. A published port accepts TCP before sshd listens
 * behind it (docker-proxy answers for the container), so only a full session proves readiness.
 */
export async function waitForSsh(
  target: SshTarget,
  { timeoutMs = 30000, intervalMs = 300 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await waitFor(
    `${target.name} (${target.host}:${target.port}) to accept SSH`,
    async () => {
      const readyTimeoutMs = Math.max(1000, Math.min(10000, deadline - Date.now()));
      const result = await sshExec(target, "true", "", { readyTimeoutMs });
      if (result.code !== 0)
        throw new Error(`\`true\` exited ${result.code}: ${result.stderr.trim()}`);
      return true;
    },
    { timeoutMs, intervalMs },
  );
}
