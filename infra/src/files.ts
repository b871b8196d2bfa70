import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { AgentScript } from "./rollout/plan";

/** The repository root (infra/src/.. /..): app-image/, nginx/ and infra/host/ live under it. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Where the host deploy agent's source lives; every rollout installs this file over SSH. */
export const AGENT_SOURCE = path.join(REPO_ROOT, "infra", "host", "berth-agent");

export type { AgentScript };

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Reads the agent at program run time, so a changed agent is what the next `pulumi up` ships. */
export function readAgentScript(file: string = AGENT_SOURCE): AgentScript {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read the host deploy agent at ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { content, sha256: sha256Hex(content) };
}

const SKIPPED = new Set(["node_modules", ".git", "dist", "coverage"]);

/**
 * A sha256 over a build context's file names and contents (sorted walk; node_modules, .git, dist
 * skipped). Equal trees give equal hashes; the image tag is derived from it, because ECR tags
 * are immutable and a rebuilt context must get a new tag.
 */
export function hashBuildContext(dir: string): string {
  const hash = createHash("sha256");
  const walk = (relative: string): void => {
    const entries = readdirSync(path.join(dir, relative)).sort();
    for (const entry of entries) {
      if (SKIPPED.has(entry)) continue;
      const rel = relative ? `${relative}/${entry}` : entry;
      const full = path.join(dir, rel);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(rel);
      else if (stat.isFile()) {
        hash.update(`${rel}\0${stat.mode & 0o111 ? "x" : "-"}\0`);
        hash.update(readFileSync(full));
        hash.update("\0");
      }
    }
  };
  walk("");
  return hash.digest("hex");
}
