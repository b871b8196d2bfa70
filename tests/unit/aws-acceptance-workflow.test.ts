import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { indexOfStep, job, loadWorkflow, Step, step } from "./workflows-helpers";

const ROOT = join(__dirname, "..", "..");

describe("workflows: AWS acceptance", () => {
  const workflow = loadWorkflow("aws-acceptance.yml");
  const acceptance = job(workflow, "acceptance");
  const timeout = (x: object) => (x as Record<string, unknown>)["timeout-minutes"] as number;

  it("runs nightly and on demand, with an optional region", () => {
    assert.deepEqual(Object.keys(workflow.on).sort(), ["schedule", "workflow_dispatch"]);
    const schedule = workflow.on.schedule as { cron: string }[];
    assert.equal(schedule.length, 1);
    assert.match(schedule[0]?.cron ?? "", /^\d+ \d+ \* \* \*$/, "once a day");
    const inputs = (workflow.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs;
    assert.deepEqual(Object.keys(inputs), ["region"]);
    assert.equal((inputs.region as { required: boolean }).required, false);
  });

  it("runs one at a time and is never cancelled halfway (a stack would be left behind)", () => {
    assert.equal(workflow.concurrency?.group, "aws-acceptance");
    assert.equal(workflow.concurrency?.["cancel-in-progress"], false);
  });

  it("gets the AWS role only through the aws-acceptance environment and OIDC", () => {
    assert.equal(acceptance.environment, "aws-acceptance");
    assert.deepEqual(acceptance.permissions, { contents: "read", "id-token": "write" });
    const creds = step(acceptance, /Assume/);
    assert.match(creds.uses ?? "", /^aws-actions\/configure-aws-credentials@/);
    assert.equal(creds.with?.["role-to-assume"], "${{ secrets.AWS_DEPLOY_ROLE_ARN }}");
    assert.equal(creds.with?.["aws-region"], "${{ env.REGION }}");
    assert.equal(acceptance.env?.REGION, "${{ inputs.region || vars.AWS_REGION }}");
  });

  it("installs the Pulumi CLI and logs in before the test", () => {
    const test = indexOfStep(acceptance, /^npm run test:aws$/);
    assert.ok(indexOfStep(acceptance, /Install the Pulumi CLI/) < test);
    assert.ok(indexOfStep(acceptance, /Log in/) < test);
    assert.ok(indexOfStep(acceptance, /Assume/) < test);
    assert.match(step(acceptance, /Install the Pulumi CLI/).uses ?? "", /^pulumi\/actions@/);
  });

  it("runs npm run test:aws with the region, the runner's /32 and a cleanup script", () => {
    const test = step(acceptance, /^npm run test:aws$/);
    const run = test.run ?? "";
    assert.match(run, /^npm run test:aws --/);
    assert.match(run, /--region "\$REGION"/);
    assert.match(run, /--ssh-cidr "\$SSH_CIDR"/);
    assert.match(run, /--cleanup-script "\$RUNNER_TEMP\/berth-acceptance-cleanup\.sh"/);
    assert.equal(test.env?.SSH_CIDR, "${{ steps.egress.outputs.cidr }}");
    assert.match(step(acceptance, /egress/).run ?? "", /cidr=\$ip\/32/);
  });

  it("splices no expression into a script: inputs reach scripts through env", () => {
    for (const s of acceptance.steps as Step[]) assert.doesNotMatch(s.run ?? "", /\$\{\{/);
  });

  it("runs the printed cleanup commands whenever the test left its stack behind", () => {
    const leftover = step(acceptance, /left behind/);
    assert.equal(leftover.if, "always()");
    assert.ok(acceptance.steps.indexOf(leftover) > indexOfStep(acceptance, /^npm run test:aws$/));
    assert.match(leftover.run ?? "", /\$RUNNER_TEMP\/berth-acceptance-cleanup\.sh/);
    assert.match(leftover.run ?? "", /bash "\$script"/);
    assert.match(leftover.run ?? "", /exit 1/);
  });

  it("leaves the cleanup time inside the job's budget", () => {
    const test = step(acceptance, /^npm run test:aws$/);
    const leftover = step(acceptance, /left behind/);
    assert.ok(timeout(test) + timeout(leftover) <= timeout(acceptance));
    assert.match(test.run ?? "", /--deadline-minutes (\d+)/);
    const deadline = Number(/--deadline-minutes (\d+)/.exec(test.run ?? "")?.[1]);
    assert.ok(deadline < timeout(test), "the test stops its own steps before the step times out");
  });

  it("is not part of npm test, CI or the unit suite", () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    assert.equal(scripts["test:aws"], "node -r ts-node/register/transpile-only tests/aws/main.ts");
    assert.doesNotMatch(readFileSync(join(ROOT, "scripts", "test.sh"), "utf8"), /test:aws/);
    assert.doesNotMatch(
      readFileSync(join(ROOT, ".github", "workflows", "ci.yml"), "utf8"),
      /test:aws/,
    );
    const unit = JSON.parse(readFileSync(join(ROOT, "tests", ".mocharc.unit.json"), "utf8")) as {
      spec: string[];
    };
    assert.ok(unit.spec.every((glob) => !glob.includes("tests/aws")));
  });
});
