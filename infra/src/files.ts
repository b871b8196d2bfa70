import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
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

/** The first-boot package installer cloud-init runs (infra/host/install-packages). */
export const INSTALL_PACKAGES_SOURCE = path.join(REPO_ROOT, "infra", "host", "install-packages");

/** The package installer's text, read at program run time like the agent. */
export function readInstallPackagesScript(file: string = INSTALL_PACKAGES_SOURCE): string {
  return readFileSync(file, "utf8");
}

/** The first-boot host key installer cloud-init runs on hosts and the bastion (infra/host/install-host-key). */
export const INSTALL_HOST_KEY_SOURCE = path.join(REPO_ROOT, "infra", "host", "install-host-key");

/** The host key installer's text, read at program run time like the agent. */
export function readInstallHostKeyScript(file: string = INSTALL_HOST_KEY_SOURCE): string {
  return readFileSync(file, "utf8");
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
