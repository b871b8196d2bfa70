import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadWorkflow, readWorkflowText, secretsUsed, workflowFiles } from "./workflows-helpers";

// Every action any workflow uses, by the full commit SHA its release tag pointed to when it was
// checked against the action's repository, and that release. No action may stay on a movable tag
// (`@v6`, `@main`): the deploy and preview jobs hold the AWS deploy role and the Pulumi token.
const PINNED: Record<string, { sha: string; version: string }> = {
  "actions/checkout": { sha: "11bd71901bbe5b1630ceea73d27597364c9af683", version: "v4.2.2" },
  "actions/setup-node": { sha: "49933ea5288caeca8642d1e84afbd3f7d6820020", version: "v4.4.0" },
  "actions/github-script": { sha: "60a0d83039c74a4aee543508d2ffcb1c3799cdea", version: "v7.0.1" },
  "aws-actions/configure-aws-credentials": {
    sha: "b47578312673ae6fa5b5096b330d9fbac3d116df",
    version: "v4.2.1",
  },
  // The commit of the v6.6.1 tag, which the movable v6 tag pointed to (github.com/pulumi/actions).
  "pulumi/actions": { sha: "8582a9e8cc630786854029b4e09281acd6794b58", version: "v6.6.1" },
};

/** Every `uses:` value anywhere in a parsed workflow: steps' actions and jobs' reusable workflows. */
function allUses(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(allUses);
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === "uses" && typeof value === "string" ? [value] : allUses(value),
  );
}

/** A `uses:` line of a workflow's text: the reference and the comment after it. */
const USES_LINE = /^[ \t]*(?:- +)?uses:[ \t]*(\S+)[ \t]*(.*)$/gm;

/** The secrets the docs tell a team to create; a workflow using any other is a doc gap. */
const DOCUMENTED_SECRETS = new Set([
  "AWS_PREVIEW_ROLE_ARN",
  "AWS_DEPLOY_ROLE_ARN",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_BACKEND_URL",
  "PULUMI_CONFIG_PASSPHRASE",
]);

describe("workflows: actions, pins and secrets", () => {
  for (const file of workflowFiles()) {
    describe(file, () => {
      const workflow = loadWorkflow(file);
      const text = readWorkflowText(file);
      const uses = allUses(workflow);
      const lines = [...text.matchAll(USES_LINE)].map((m) => ({
        ref: m[1] as string,
        comment: m[2] as string,
      }));

      it("uses only reviewed actions, by full commit SHA with its version noted", () => {
        assert.ok(uses.length > 0);
        // Every `uses:` the YAML holds is on a line of its own that the checks below read.
        assert.deepEqual(
          lines.map((l) => l.ref),
          uses,
          "every uses: is a plain `uses: REF # VERSION` line",
        );
        for (const { ref, comment } of lines) {
          const match = /^([\w.-]+\/[\w.-]+)(?:\/[^@]*)?@([0-9a-f]{40})$/.exec(ref);
          assert.ok(match, `${ref} is not pinned by a full 40-hex commit SHA`);
          const [, action, sha] = match as unknown as [string, string, string];
          const pin = PINNED[action];
          assert.ok(pin, `${action} is not a reviewed action (add it to PINNED with its SHA)`);
          assert.equal(sha, pin.sha, `${ref} should be ${pin.sha} (${pin.version})`);
          assert.equal(comment, `# ${pin.version}`, `${ref} should note its version`);
        }
      });

      it("never uses long-lived AWS keys", () => {
        assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
      });

      it("uses only the documented secrets", () => {
        for (const name of secretsUsed(workflow))
          assert.ok(DOCUMENTED_SECRETS.has(name), `secret ${name} is not documented`);
      });

      it("checks out without leaving the token in git config", () => {
        for (const j of Object.values(workflow.jobs))
          for (const s of j.steps.filter((x) => x.uses?.startsWith("actions/checkout@")))
            assert.equal(s.with?.["persist-credentials"], false);
      });

      it("defaults to a read-only token", () => {
        assert.deepEqual(workflow.permissions, { contents: "read" });
      });
    });
  }
});

describe("workflows: the project commands they run", () => {
  const scripts = Object.keys(
    (
      JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts,
  );

  for (const file of workflowFiles()) {
    it(`${file} runs only scripts that package.json defines`, () => {
      const text = readWorkflowText(file);
      const used = [...text.matchAll(/\b(?:npm run(?: --silent)?|pnpm run) ([a-z][\w:-]*)/g)].map(
        (m) => m[1] as string,
      );
      for (const name of used)
        assert.ok(scripts.includes(name), `${file} runs "${name}", which package.json lacks`);
    });
  }
});
