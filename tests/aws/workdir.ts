/**
 * The acceptance test runs `pulumi` in a throwaway copy of the project, never in the checkout:
 * the Automation API writes `Pulumi.<stack>.yaml` into its work dir, and the second release needs
 * a different image, which takes a change to the build context. Both happen in the copy, so the
 * checkout (where others work) is never written to.
 *
 * The copy holds every source file (no .git, no build output); each `node_modules` is a symlink
 * to the checkout's, so the program resolves the same installed packages.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Directory names never copied (anywhere in the tree). */
const SKIPPED_NAMES = new Set([".git", "node_modules", "dist", ".berth", ".pulumi", "coverage"]);
/** Paths (relative to the root) never copied. */
const SKIPPED_PATHS = new Set(["bench/results"]);

/**
 * The file the second release adds to the app's build context: `.dockerignore` admits `src/`,
 * the compiler turns it into `dist/acceptance-release.js`, so the image (and its digest) differs
 * and the ECR tag (a hash of the context) is new.
 */
export const SECOND_RELEASE_FILE = "app-image/src/acceptance-release.ts";

export interface WorkDir {
  /** The copy's root: the Automation API's workDir. */
  dir: string;
  /** Adds {@link SECOND_RELEASE_FILE} to the copy's build context. */
  addSecondRelease(label: string): void;
  /** Deletes the copy. */
  remove(): void;
}

export function secondReleaseSource(label: string): string {
  return [
    "// Written by the AWS acceptance test (tests/aws) into its throwaway copy of the project: it",
    "// makes the second release a different image. It never exists in the repository.",
    `export const ACCEPTANCE_RELEASE = ${JSON.stringify(label)};`,
    "",
  ].join("\n");
}

/** Copies `root` into `into` (see the file comment). */
export function copyProject(root: string, into: string): void {
  cpSync(root, into, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => {
      const rel = path.relative(root, source).split(path.sep).join("/");
      if (rel === "") return true;
      return !SKIPPED_NAMES.has(path.basename(source)) && !SKIPPED_PATHS.has(rel);
    },
  });
  // The root's and each package's installed dependencies (pnpm keeps them one level deep).
  const dirs = ["", ...readDirs(root)];
  for (const dir of dirs) {
    const modules = path.join(root, dir, "node_modules");
    const target = path.join(into, dir, "node_modules");
    if (existsSync(modules) && existsSync(path.join(into, dir)) && !existsSync(target))
      symlinkSync(modules, target, "dir");
  }
}

/** Top-level directories; cpSync's filter already decided which of them exist in the copy. */
function readDirs(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !SKIPPED_NAMES.has(entry.name))
    .map((entry) => entry.name);
}

export function createWorkDir(root: string, tmp: string = os.tmpdir()): WorkDir {
  const dir = mkdtempSync(path.join(tmp, "berth-acc-"));
  try {
    copyProject(root, dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    addSecondRelease(label) {
      writeFileSync(path.join(dir, SECOND_RELEASE_FILE), secondReleaseSource(label));
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
