import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import ignore from "@balena/dockerignore";

/**
 * What one image build sees, and its identity. ECR tags are immutable here, so the tag must change
 * exactly when the build's inputs do: the files docker admits into the context (per
 * .dockerignore), the Dockerfile, the build arguments and the platform. Paths are relative to the
 * project root (Pulumi runs the program there), so every checkout gives the provider the same
 * inputs and a CI run after a laptop run pushes nothing new.
 */
export interface BuildInputs {
  /** The context directory, relative to the project root (`app-image`). */
  context: string;
  /** The Dockerfile, relative to the project root (`app-image/Dockerfile`). */
  dockerfile: string;
  /** Docker platform, e.g. linux/amd64 (t3 and t4g hosts need different images). */
  platform: string;
  /** Build arguments; none today, hashed when there are. */
  args: Record<string, string>;
}

/** The context's files docker sends to the build, relative, sorted; .dockerignore applied. */
export function admittedFiles(contextDir: string): string[] {
  const ignoreFile = path.join(contextDir, ".dockerignore");
  const rules = existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8") : "";
  const matcher = ignore().add(rules.split("\n"));
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(contextDir, relative)).sort()) {
      const rel = relative ? `${relative}/${entry}` : entry;
      const full = path.join(contextDir, rel);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(rel);
      else if (stat.isFile() && !matcher.ignores(rel)) files.push(rel);
    }
  };
  walk("");
  return files;
}

/** sha256 over exactly what the build sees (see the file comment). */
export function buildInputsHash(projectRoot: string, inputs: BuildInputs): string {
  const hash = createHash("sha256");
  const contextDir = path.join(projectRoot, inputs.context);
  for (const rel of admittedFiles(contextDir)) {
    const full = path.join(contextDir, rel);
    hash.update(`file\0${rel}\0${statSync(full).mode & 0o111 ? "x" : "-"}\0`);
    hash.update(readFileSync(full));
    hash.update("\0");
  }
  hash.update(`dockerfile\0${inputs.dockerfile}\0`);
  hash.update(readFileSync(path.join(projectRoot, inputs.dockerfile)));
  hash.update(`\0platform\0${inputs.platform}\0`);
  for (const [name, value] of Object.entries(inputs.args).sort(([a], [b]) => (a < b ? -1 : 1)))
    hash.update(`arg\0${name}\0${value}\0`);
  return hash.digest("hex");
}

/** The ECR tag of a build: derived from its inputs' hash. */
export function buildTag(inputsHash: string): string {
  return `ctx-${inputsHash.slice(0, 20)}`;
}
