import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const REPO_ROOT = join(__dirname, "..", "..");

/** Every tracked file that starts with a shell shebang: host scripts, set-up scripts, CI. */
function trackedShellScripts(): string[] {
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  return files.filter((file) => {
    try {
      const firstLine = readFileSync(join(REPO_ROOT, file), "utf8").split("\n", 1)[0] ?? "";
      return /^#!.*\b(ba)?sh\b/.test(firstLine);
    } catch {
      return false; // deleted in the work tree, or not a regular file
    }
  });
}

describe("shell scripts", () => {
  const scripts = trackedShellScripts();

  it("are found (the agent, the set-up scripts and .ci/run among them)", () => {
    for (const expected of ["infra/host/berth-agent", "scripts/setup.sh", ".ci/run"]) {
      assert.ok(scripts.includes(expected), `${expected} missing from ${scripts.join(", ")}`);
    }
  });

  it("stop at the first error, unset variable or failed pipe stage", () => {
    for (const script of scripts) {
      const text = readFileSync(join(REPO_ROOT, script), "utf8");
      assert.match(text, /^set -E?euo pipefail$/m, `${script} lacks "set -euo pipefail"`);
    }
  });

  it("are shellcheck-clean", function () {
    this.timeout(60000);
    const result = spawnSync("shellcheck", scripts, { cwd: REPO_ROOT, encoding: "utf8" });
    // A missing shellcheck fails this test (never skips it): the scripts would go unchecked.
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
      assert.fail(
        "shellcheck is not installed, so the shell scripts cannot be checked: run `npm run setup` " +
          "(installs it on Debian) or install the `shellcheck` package with your package manager",
      );
    }
    assert.ifError(result.error);
    assert.equal(result.status, 0, result.stdout);
  });
});
