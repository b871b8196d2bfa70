/**
 * Running the real Docker engine from tests: build images with BuildKit (and the extra CA as a
 * build secret where this machine needs one), run and inspect containers, clean up by name prefix.
 * Every helper takes argv arrays; nothing goes through a shell.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { localBaseImageBuildFlags } from "../../fleet/src/base-images";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The host's CA bundle; handed to builds as the `ca` secret (never a layer). */
export const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Killed (SIGKILL) after this long; the result then has code -1. */
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a command to completion; never throws on a non-zero exit code. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = options.timeoutMs
      ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs)
      : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    // A command that exits before reading its stdin (docker inspect) makes this write fail with
    // EPIPE; its exit code and output are the result, so that error is not one.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/** `docker ARGS...`, returning the result whatever the exit code. */
export function dockerResult(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run("docker", args, options);
}

/** `docker ARGS...`, returning trimmed stdout; throws with stderr when the exit code is not 0. */
export async function docker(args: string[], options: RunOptions = {}): Promise<string> {
  const result = await dockerResult(args, options);
  if (result.code !== 0) {
    throw new Error(
      `docker ${args.join(" ")} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result.stdout.trim();
}

/** A name no other test run or helper uses: `berth-test-<label>-<6 hex>`. */
export function uniqueName(label: string): string {
  return `berth-test-${label}-${randomBytes(3).toString("hex")}`;
}

export interface BuildOptions {
  /** Build context directory, relative to the repository root or absolute. */
  context: string;
  tag: string;
  buildArgs?: Record<string, string>;
  noCache?: boolean;
  timeoutMs?: number;
}

/**
 * The `docker build` argv (BuildKit client chosen by scripts/buildkit-docker.sh), with the base
 * images by their local tag (the Dockerfile pins them by digest, which only a registry resolves).
 */
export function buildArgv(options: BuildOptions, caBundle: string | null): string[] {
  const argv = ["scripts/buildkit-docker.sh", "build", "--progress=plain", "--tag", options.tag];
  if (caBundle) argv.push("--secret", `id=ca,src=${caBundle}`);
  argv.push(...localBaseImageBuildFlags(path.resolve(REPO_ROOT, options.context, "Dockerfile")));
  for (const [name, value] of Object.entries(options.buildArgs ?? {})) {
    argv.push("--build-arg", `${name}=${value}`);
  }
  if (options.noCache) argv.push("--no-cache");
  argv.push(options.context);
  return argv;
}

/** Builds an image and returns its id (`sha256:...`); on failure the error carries the build log's tail. */
export async function buildImage(options: BuildOptions): Promise<string> {
  const caBundle = existsSync(CA_BUNDLE) ? CA_BUNDLE : null;
  const result = await run("bash", buildArgv(options, caBundle), {
    timeoutMs: options.timeoutMs ?? 600_000,
  });
  if (result.code !== 0) {
    const tail = `${result.stdout}${result.stderr}`.trim().split("\n").slice(-30).join("\n");
    throw new Error(`building ${options.tag} from ${options.context} failed:\n${tail}`);
  }
  return docker(["image", "inspect", "--format", "{{.Id}}", options.tag]);
}

/** Removes (with their anonymous volumes) all containers whose name contains `prefix`. */
export async function removeContainers(prefix: string): Promise<void> {
  const ids = (await docker(["ps", "-aq", "--filter", `name=${prefix}`]))
    .split("\n")
    .filter(Boolean);
  if (ids.length > 0) await dockerResult(["rm", "-f", "-v", ...ids]);
}

/** Removes all networks whose name contains `prefix` (after their containers are gone). */
export async function removeNetworks(prefix: string): Promise<void> {
  const ids = (await docker(["network", "ls", "-q", "--filter", `name=${prefix}`]))
    .split("\n")
    .filter(Boolean);
  if (ids.length > 0) await dockerResult(["network", "rm", ...ids]);
}

export async function removeImages(references: string[]): Promise<void> {
  if (references.length > 0) await dockerResult(["image", "rm", "-f", ...references]);
}

/** `host:port` on 127.0.0.1 that the container's `containerPort` is published on. */
export async function publishedAddress(container: string, containerPort: number): Promise<string> {
  const lines = (await docker(["port", container, `${containerPort}/tcp`])).split("\n");
  const address = lines.find((line) => line.startsWith("127.0.0.1:"));
  if (!address) throw new Error(`${container}:${containerPort} is not published on 127.0.0.1`);
  return address;
}

/** `docker inspect --format`, for one field. */
export function inspect(container: string, format: string): Promise<string> {
  return docker(["inspect", "--format", format, container]);
}

export { waitFor } from "../../fleet/src/wait";

/** Waits for a container to stop and returns its exit code. */
export async function waitForExit(container: string, timeoutMs = 30_000): Promise<number> {
  const result = await dockerResult(["wait", container], { timeoutMs });
  if (result.code !== 0) throw new Error(`docker wait ${container}: ${result.stderr.trim()}`);
  return Number(result.stdout.trim());
}
