/**
 * The base images of the project's Dockerfiles. Each `FROM` of a registry image reads its
 * reference from an ARG whose default is pinned by digest:
 *
 *     ARG NODE_IMAGE=node:20-bookworm-slim@sha256:<64 hex>
 *     FROM ${NODE_IMAGE} AS deps
 *
 * Builds for AWS (the Pulumi program) pass nothing, so the pin applies. Builds on this machine
 * pass the same name without the digest (`--build-arg NODE_IMAGE=node:20-bookworm-slim`): that is
 * the tag scripts/build-base-images.sh gives the pulled image or the locally built stand-in, which
 * has no registry digest.
 */
import * as fs from "node:fs";

export interface PinnedBaseImage {
  /** The ARG that holds the reference, e.g. NODE_IMAGE. */
  arg: string;
  /** `name:tag`, the local stand-in's name too. */
  tag: string;
  /** `sha256:<64 hex>`. */
  digest: string;
}

const PINNED_ARG = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+:\S+?)@(sha256:[0-9a-f]{64})\s*$/;
const PINNED_REFERENCE = /^[^\s@]+:[^\s@]+@sha256:[0-9a-f]{64}$/;

/** Dockerfile lines with their continuations (`\` at the end) joined and comments dropped. */
function instructions(dockerfile: string): string[] {
  const joined = dockerfile.replace(/\\\r?\n/g, " ");
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** The ARGs whose default is a `name:tag@sha256:...` reference. */
export function pinnedBaseImages(dockerfile: string): PinnedBaseImage[] {
  return instructions(dockerfile).flatMap((line) => {
    const match = PINNED_ARG.exec(line);
    return match ? [{ arg: match[1]!, tag: match[2]!, digest: match[3]! }] : [];
  });
}

/** `--build-arg` values that point a local build at the local images: `NODE_IMAGE=node:20-bookworm-slim`. */
export function localBaseImageArgs(dockerfile: string): string[] {
  return pinnedBaseImages(dockerfile).map(({ arg, tag }) => `${arg}=${tag}`);
}

/** The `--build-arg` flags for a local build of the Dockerfile at `dockerfilePath`. */
export function localBaseImageBuildFlags(dockerfilePath: string): string[] {
  return localBaseImageArgs(fs.readFileSync(dockerfilePath, "utf8")).flatMap((value) => [
    "--build-arg",
    value,
  ]);
}

/**
 * Every `FROM` that is neither `scratch`, an earlier stage, nor an ARG (set before the first FROM)
 * whose default is pinned by digest, as `line N: reason`. Empty when the Dockerfile is pinned.
 */
export function unpinnedFroms(dockerfile: string): string[] {
  const globalArgs = new Map<string, string | undefined>();
  const stages = new Set<string>();
  const problems: string[] = [];
  let sawFrom = false;
  instructions(dockerfile).forEach((line, index) => {
    const [keyword = "", ...rest] = line.split(/\s+/);
    if (/^arg$/i.test(keyword) && !sawFrom) {
      const [name = "", value] = (rest[0] ?? "").split(/=(.*)/s);
      globalArgs.set(name, value);
      return;
    }
    if (!/^from$/i.test(keyword)) return;
    sawFrom = true;
    const words = rest.filter((word) => !word.startsWith("--"));
    const reference = words[0] ?? "";
    const alias = /^as$/i.test(words[1] ?? "") ? words[2] : undefined;
    const where = `instruction ${index + 1} (${line})`;
    const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(reference)?.[1];
    if (reference.toLowerCase() === "scratch" || stages.has(reference.toLowerCase())) {
      // not a registry image
    } else if (variable === undefined) {
      problems.push(`${where}: takes "${reference}" directly, not from a pinned ARG`);
    } else if (!globalArgs.has(variable)) {
      problems.push(`${where}: ARG ${variable} is not declared before the first FROM`);
    } else if (!PINNED_REFERENCE.test(globalArgs.get(variable) ?? "")) {
      problems.push(
        `${where}: ARG ${variable}'s default "${globalArgs.get(variable) ?? ""}" is not name:tag@sha256:<64 hex>`,
      );
    }
    if (alias) stages.add(alias.toLowerCase());
  });
  return problems;
}
