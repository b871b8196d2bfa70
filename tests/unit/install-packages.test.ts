/**
 * infra/host/install-packages, the first-boot installer cloud-init runs: it retries a failed
 * install with a growing pause (the route out may still be settling) and fails loudly in the end.
 * Run in bash with a stand-in `dnf` that fails a given number of times, and a `sleep` that records.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { INSTALL_PACKAGES_SOURCE } from "../../infra/src/files";

describe("the first-boot package installer (infra/host/install-packages)", () => {
  let dir: string;
  const run = (dnfFailures: number, extraPackages: string[] = []) => {
    const result = spawnSync("bash", [INSTALL_PACKAGES_SOURCE, ...extraPackages], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${dir}:${process.env.PATH}`,
        FAILURES: String(dnfFailures),
        LOG: dir,
      },
    });
    const calls = readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
    return { ...result, calls };
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "berth-install-packages-"));
    writeFileSync(path.join(dir, "calls"), "");
    writeFileSync(
      path.join(dir, "dnf"),
      [
        "#!/usr/bin/env bash",
        'echo "dnf $*" >>"$LOG/calls"',
        'n=$(grep -c "^dnf" "$LOG/calls")',
        '[ "$n" -gt "$FAILURES" ] || { echo "Error: Failed to download metadata for repo" >&2; exit 1; }',
      ].join("\n"),
    );
    writeFileSync(path.join(dir, "sleep"), '#!/usr/bin/env bash\necho "sleep $*" >>"$LOG/calls"\n');
    chmodSync(path.join(dir, "dnf"), 0o755);
    chmodSync(path.join(dir, "sleep"), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("installs docker, jq and the ECR credential helper in one go when the network is there", () => {
    const result = run(0);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.calls, ["dnf install -y docker jq amazon-ecr-credential-helper"]);
  });

  it("installs the packages it is given with them (the CloudWatch agent with berth:alarms)", () => {
    const result = run(0, ["amazon-cloudwatch-agent"]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.calls, [
      "dnf install -y docker jq amazon-ecr-credential-helper amazon-cloudwatch-agent",
    ]);
  });

  it("retries with a growing pause until the install succeeds", () => {
    const result = run(3);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      result.calls.filter((c) => c.startsWith("sleep")),
      ["sleep 10", "sleep 20", "sleep 30"],
    );
    assert.match(result.stderr, /failed \(attempt 3 of 6\); retrying in 30 s/);
  });

  it("gives up after its attempts with a clear line, and fails (cloud-init reports the error)", () => {
    const result = run(99);
    assert.equal(result.status, 1);
    assert.equal(result.calls.filter((c) => c.startsWith("dnf")).length, 6);
    assert.match(
      result.stderr,
      /could not install docker jq amazon-ecr-credential-helper after 6 attempts\n$/,
    );
  });
});
