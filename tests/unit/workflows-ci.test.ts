import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { job, loadWorkflow, runText, step } from "./workflows-helpers";

describe("workflows: CI", () => {
  const ci = loadWorkflow("ci.yml");

  it("runs on every push and every pull request", () => {
    assert.deepEqual(Object.keys(ci.on).sort(), ["pull_request", "push"]);
    assert.equal(ci.on.push, null, "no branch filter: every push");
    assert.equal(ci.on.pull_request, null);
  });

  it("cancels superseded runs of the same ref", () => {
    assert.equal(ci.concurrency?.group, "ci-${{ github.ref }}");
    assert.equal(ci.concurrency?.["cancel-in-progress"], true);
  });

  it("asks for no permission beyond reading the code", () => {
    for (const j of Object.values(ci.jobs)) assert.equal(j.permissions, undefined);
    assert.deepEqual(ci.permissions, { contents: "read" });
  });

  describe("checks job", () => {
    const checks = job(ci, "checks");
    const script = runText(checks);

    it("installs the pnpm pinned in package.json and the locked dependencies", () => {
      const pinned = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"))
        .packageManager as string;
      assert.match(pinned, /^pnpm@\d+\.\d+\.\d+$/);
      assert.match(step(checks, /pinned pnpm/).run ?? "", /scripts\/ensure-pnpm\.sh/);
      assert.match(script, /pnpm install --frozen-lockfile/);
    });

    it("type-checks, lints, shellchecks, and runs unit and policy tests, in that order", () => {
      const order = [
        "pnpm run typecheck",
        "pnpm run lint",
        "shellcheck",
        "pnpm run test:unit",
        "pnpm run test:policy",
      ].map((command) => script.indexOf(command));
      assert.ok(
        order.every((at) => at >= 0),
        `missing a command: ${order}`,
      );
      assert.deepEqual(
        [...order].sort((a, b) => a - b),
        order,
      );
    });

    it("shellchecks every script with a shell shebang, not a hand-kept list", () => {
      const shellcheck = step(checks, /Shellcheck/).run ?? "";
      assert.match(shellcheck, /git ls-files/);
      assert.match(shellcheck, /shellcheck "\$\{scripts\[@\]\}"/);
    });
  });

  describe("full job", () => {
    const full = job(ci, "full");

    it("runs the README's test command, exactly as .ci/run does", () => {
      const ciRun = readFileSync(join(__dirname, "..", "..", ".ci", "run"), "utf8");
      assert.match(ciRun, /^npm test$/m);
      assert.match(step(full, /^npm test$/).run ?? "", /npm test$/);
    });

    it("runs it as root, like .ci/run, for Debian packages and Docker-in-Docker hosts", () => {
      assert.match(step(full, /^npm test$/).run ?? "", /^sudo -E env "PATH=\$PATH" npm test$/);
    });

    it("has a time budget within CI's 90 minutes", () => {
      const raw = (full as unknown as Record<string, unknown>)["timeout-minutes"];
      assert.equal(typeof raw, "number");
      assert.ok((raw as number) <= 90);
    });
  });
});
