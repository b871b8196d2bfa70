import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSince } from "../../cli/src/commands/switch-back";
import { Job, indexOfStep, job, loadWorkflow, runText, step } from "./workflows-helpers";

/** Runs a `run:` script in bash, GITHUB_OUTPUT and RUNNER_TEMP in a temp dir, `bin` on PATH. */
function runStep(
  script: string,
  env: Record<string, string>,
  bin: Record<string, string> = {},
): { code: number | null; stderr: string; output: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "berth-deploy-step-"));
  for (const [name, body] of Object.entries(bin)) {
    writeFileSync(join(dir, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const output = join(dir, "github-output");
  writeFileSync(output, "");
  const result = spawnSync("bash", ["-e", "-c", script], {
    encoding: "utf8",
    env: {
      PATH: `${dir}:${process.env.PATH ?? ""}`,
      GITHUB_OUTPUT: output,
      RUNNER_TEMP: dir,
      LOG: join(dir, "log"),
      ...env,
    },
  });
  return { code: result.status, stderr: result.stderr, output: readFileSync(output, "utf8"), dir };
}

/**
 * A failed `pulumi up` in CI switches back, as `berth deploy` does: the time just before the up,
 * then, only when the up itself failed, `berth switch-back --since` that time with the stack's
 * deploy key.
 */
function switchBackAfterAFailedUp(jobDef: () => Job, stack: string): void {
  describe(`after a failed pulumi up -s ${stack}`, () => {
    const upName = new RegExp(`^pulumi up -s ${stack}$`);

    it("records the time just before the up, in the form berth switch-back --since reads", () => {
      const j = jobDef();
      const up = j.steps.findIndex((s) => upName.test(s.name ?? ""));
      const start = j.steps[up - 1];
      assert.equal(start?.id, "up-start", "the step right before the up records its start");
      assert.match(
        start?.run ?? "",
        /echo "started=\$\(date -u \+%Y-%m-%dT%H:%M:%SZ\)" >>"\$GITHUB_OUTPUT"/,
      );
      const before = Date.now();
      const ran = runStep(start?.run ?? "", {});
      rmSync(ran.dir, { recursive: true, force: true });
      assert.equal(ran.code, 0, ran.stderr);
      const started = /^started=(.*)$/m.exec(ran.output)?.[1] ?? "";
      assert.equal(parseSince(started), started);
      assert.ok(Math.abs(Date.parse(started) - before) < 2000, `${started} is now`);
    });

    it("then, only when the up step failed, runs berth switch-back with that time", () => {
      const j = jobDef();
      const up = step(j, upName);
      assert.equal(up.id, "up");
      const after = j.steps[j.steps.indexOf(up) + 1];
      assert.match(after?.name ?? "", new RegExp(`^Switch back the ${stack} hosts`));
      assert.equal(after?.if, "failure() && steps.up.outcome == 'failure'");
      assert.equal(after?.env?.STARTED, "${{ steps.up-start.outputs.started }}");
      assert.match(
        after?.run ?? "",
        new RegExp(
          `npm run --silent berth -- switch-back -s ${stack} --since "\\$STARTED" -i "\\$key"$`,
          "m",
        ),
      );
    });

    it("logs in, hands the CLI the stack's deploy key in a private file, and removes it", () => {
      const script = step(jobDef(), new RegExp(`^Switch back the ${stack} hosts`)).run ?? "";
      const ran = runStep(
        script,
        { STARTED: "2026-11-30T12:00:00Z", PULUMI_BACKEND_URL: "s3://state?region=eu-west-1" },
        {
          pulumi: [
            'echo "pulumi $*" >>"$LOG"',
            'if [ "$1" = config ]; then echo "-----BEGIN OPENSSH PRIVATE KEY-----"; fi',
          ].join("\n"),
          npm: [
            'echo "npm $*" >>"$LOG"',
            'key="${*: -1}"',
            'echo "key mode $(stat -c %a "$key") $(head -1 "$key")" >>"$LOG"',
            "exit 1",
          ].join("\n"),
        },
      );
      const log = readFileSync(join(ran.dir, "log"), "utf8").trim().split("\n");
      const keyFile = join(ran.dir, "berth-deploy-key");
      const keyLeft = spawnSync("test", ["-e", keyFile]).status === 0;
      rmSync(ran.dir, { recursive: true, force: true });
      assert.equal(ran.code, 1, "the step fails when the switch-back does");
      assert.deepEqual(log, [
        "pulumi login s3://state?region=eu-west-1",
        `pulumi config get berth:sshPrivateKey --stack ${stack}`,
        `npm run --silent berth -- switch-back -s ${stack} --since 2026-11-30T12:00:00Z -i ${keyFile}`,
        "key mode 600 -----BEGIN OPENSSH PRIVATE KEY-----",
      ]);
      assert.equal(keyLeft, false, "the key file is removed");
    });
  });
}

describe("workflows: Deploy", () => {
  const deploy = loadWorkflow("deploy.yml");
  const staging = job(deploy, "staging");
  const prod = job(deploy, "prod");

  it("runs on pushes to main only", () => {
    assert.deepEqual(deploy.on, { push: { branches: ["main"] } });
  });

  it("runs one deploy at a time and never cancels one halfway", () => {
    assert.equal(deploy.concurrency?.group, "deploy-main");
    assert.equal(deploy.concurrency?.["cancel-in-progress"], false);
  });

  it("gives each job an OIDC token and read access only", () => {
    for (const j of [staging, prod])
      assert.deepEqual(j.permissions, { contents: "read", "id-token": "write" });
  });

  describe("staging", () => {
    it("deploys with pulumi up -s staging and the policy pack", () => {
      const up = step(staging, /^pulumi up -s staging$/);
      assert.equal(up.with?.command, "up");
      assert.equal(up.with?.["stack-name"], "staging");
      assert.equal(up.with?.policyPacks, "policy");
    });

    it("reads the digest from the staging stack's outputs after the up", () => {
      const read = step(staging, /Read the release/);
      assert.match(read.run ?? "", /pulumi stack output --json --stack staging/);
      assert.ok(indexOfStep(staging, /^pulumi up/) < staging.steps.indexOf(read));
      assert.equal(staging.outputs?.digest, "${{ steps.release.outputs.digest }}");
    });

    switchBackAfterAFailedUp(() => staging, "staging");

    it("verifies that staging serves that digest before the job succeeds", () => {
      const verify = step(staging, /Verify/);
      assert.equal(verify.env?.DIGEST, "${{ steps.release.outputs.digest }}");
      assert.match(verify.run ?? "", /\/version/);
      assert.match(verify.run ?? "", /exit 1/);
    });
  });

  describe("prod", () => {
    it("waits for staging and for the production environment's approval", () => {
      assert.equal(prod.needs, "staging");
      assert.equal(prod.environment, "production");
    });

    it("assumes its own role, from the production environment's secret", () => {
      const creds = step(prod, /Assume/);
      assert.equal(creds.with?.["role-to-assume"], "${{ secrets.AWS_DEPLOY_ROLE_ARN }}");
      assert.match(String(creds.with?.["role-session-name"]), /prod/);
    });

    it("promotes the digest staging verified, read from the staging stack", () => {
      const promote = step(prod, /Promote/);
      assert.equal(promote.env?.VERIFIED_DIGEST, "${{ needs.staging.outputs.digest }}");
      assert.match(
        promote.run ?? "",
        /berth -- promote --from staging -s prod --expect-digest "\$VERIFIED_DIGEST"/,
      );
    });

    it("runs pulumi up -s prod only after the promotion, so it deploys that digest", () => {
      const up = step(prod, /^pulumi up -s prod$/);
      assert.equal(up.with?.command, "up");
      assert.equal(up.with?.["stack-name"], "prod");
      assert.equal(up.with?.policyPacks, "policy");
      assert.ok(indexOfStep(prod, /Promote/) < prod.steps.indexOf(up));
    });

    switchBackAfterAFailedUp(() => prod, "prod");

    it("never builds an image itself", () => {
      assert.doesNotMatch(runText(prod), /docker (build|push)|buildkit/);
    });
  });
});
