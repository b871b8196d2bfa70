import assert from "node:assert/strict";
import { job, loadWorkflow, runText, secretsUsed, step } from "./workflows-helpers";

const SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository";
const FORK = "github.event.pull_request.head.repo.full_name != github.repository";

describe("workflows: Preview", () => {
  const preview = loadWorkflow("preview.yml");

  it("runs on pull requests only, never on pull_request_target (which hands forks secrets)", () => {
    assert.deepEqual(Object.keys(preview.on), ["pull_request"]);
  });

  it("runs one preview per pull request at a time, the newest winning", () => {
    assert.equal(preview.concurrency?.group, "preview-${{ github.event.pull_request.number }}");
    assert.equal(preview.concurrency?.["cancel-in-progress"], true);
  });

  describe("same-repository pull requests: the real preview", () => {
    const real = job(preview, "preview");

    it("runs only for branches of this repository", () => {
      assert.equal(real.if, SAME_REPO);
    });

    it("gets an OIDC token and PR write access, nothing more", () => {
      assert.deepEqual(real.permissions, {
        contents: "read",
        "id-token": "write",
        "pull-requests": "write",
      });
    });

    it("assumes an AWS role through OIDC before any preview", () => {
      const creds = step(real, /aws-actions\/configure-aws-credentials|Assume/);
      assert.equal(creds.with?.["role-to-assume"], "${{ secrets.AWS_PREVIEW_ROLE_ARN }}");
      assert.ok(
        real.steps.indexOf(creds) < real.steps.findIndex((s) => s.uses?.startsWith("pulumi/")),
      );
    });

    for (const stack of ["staging", "prod"]) {
      it(`previews ${stack} with the policy pack, from the configured backend`, () => {
        const s = step(real, new RegExp(`^Preview ${stack}$`));
        assert.match(s.uses ?? "", /^pulumi\/actions@/);
        assert.equal(s.with?.command, "preview");
        assert.equal(s.with?.["stack-name"], stack);
        assert.equal(s.with?.policyPacks, "policy");
        assert.equal(s.with?.["cloud-url"], "${{ secrets.PULUMI_BACKEND_URL }}");
        assert.equal(s.with?.["comment-on-pr"], false, "one combined comment, not one per stack");
        assert.equal(s["continue-on-error"], true, "the comment is posted even when it fails");
      });
    }

    it("passes the backend credentials and passphrase from secrets", () => {
      assert.equal(real.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
      assert.equal(real.env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    });

    it("posts one comment and updates it in place, found by a marker", () => {
      const comment = step(real, /comment/i);
      const script = String(comment.with?.script ?? "");
      assert.match(script, /<!-- berth-preview -->/);
      assert.match(script, /updateComment/);
      assert.match(script, /createComment/);
      assert.ok(script.indexOf("updateComment") < script.indexOf("createComment"));
    });

    it("hands preview output to the script through env, never spliced into code", () => {
      const comment = step(real, /comment/i);
      assert.doesNotMatch(String(comment.with?.script), /\$\{\{/);
      assert.equal(comment.env?.STAGING_OUTPUT, "${{ steps.staging.outputs.output }}");
      assert.equal(comment.env?.PROD_OUTPUT, "${{ steps.prod.outputs.output }}");
    });

    it("fails the run after commenting when either preview failed", () => {
      const last = real.steps[real.steps.length - 1];
      assert.equal(
        last?.if,
        "steps.staging.outcome != 'success' || steps.prod.outcome != 'success'",
      );
      assert.match(last?.run ?? "", /exit 1/);
    });
  });

  describe("fork pull requests: the offline preview", () => {
    const offline = job(preview, "offline-preview");

    it("runs exactly when the real preview does not", () => {
      assert.equal(offline.if, FORK);
    });

    it("has read-only permissions and touches no secret", () => {
      assert.deepEqual(offline.permissions, { contents: "read" });
      assert.deepEqual(secretsUsed(offline), []);
      assert.equal(
        offline.steps.some((s) => s.uses?.startsWith("aws-actions/")),
        false,
      );
    });

    it("previews both stacks and their differences offline, into the job summary", () => {
      const script = runText(offline);
      assert.match(script, /preview:offline -- "\$stack"/);
      assert.match(script, /for stack in staging prod/);
      assert.match(script, /preview:offline -- prod staging/);
      assert.match(script, /GITHUB_STEP_SUMMARY/);
    });

    it("fails when the offline preview fails (pipefail through tee)", () => {
      assert.equal(step(offline, /Offline preview/).shell, "bash");
    });
  });
});
