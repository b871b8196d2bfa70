import assert from "node:assert/strict";
import { indexOfStep, job, loadWorkflow, runText, step } from "./workflows-helpers";

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

    it("never builds an image itself", () => {
      assert.doesNotMatch(runText(prod), /docker (build|push)|buildkit/);
    });
  });
});
