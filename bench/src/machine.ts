/** Facts about the machine and the commit a run measured, for the results file. */
import * as os from "node:os";
import { docker, run } from "../../fleet/src/exec";
import { REPO_ROOT } from "../../fleet/src/settings";
import type { MachineFacts } from "./results";

export async function machineFacts(): Promise<MachineFacts> {
  const version = await docker(["version", "--format", "{{.Server.Version}}"], { allowFail: true });
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryBytes: os.totalmem(),
    loadAverage: { start: os.loadavg()[0] ?? 0, end: null },
    node: process.version,
    docker: version.code === 0 ? version.stdout.trim() : null,
    kernel: `${os.type()} ${os.release()}`,
  };
}

export async function commitFacts(): Promise<{ sha: string | null; dirty: boolean | null }> {
  const sha = await run("git", ["-C", REPO_ROOT, "rev-parse", "HEAD"], { allowFail: true });
  const status = await run(
    "git",
    ["-C", REPO_ROOT, "status", "--porcelain", "--untracked-files=no"],
    { allowFail: true },
  );
  return {
    sha: sha.code === 0 ? sha.stdout.trim() : null,
    dirty: status.code === 0 ? status.stdout.trim().length > 0 : null,
  };
}
