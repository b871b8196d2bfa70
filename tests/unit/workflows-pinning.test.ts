import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadWorkflow, readWorkflowText, secretsUsed, workflowFiles } from "./workflows-helpers";

// Commit SHAs checked against public sources when the workflows were written; an action whose
// SHA could not be checked stays on its major tag and is listed here on purpose.
const PINNED: Record<string, { sha: string; version: string }> = {
  "actions/checkout": { sha: "11bd71901bbe5b1630ceea73d27597364c9af683", version: "v4.2.2" },
  "actions/setup-node": { sha: "49933ea5288caeca8642d1e84afbd3f7d6820020", version: "v4.4.0" },
  "actions/github-script": { sha: "60a0d83039c74a4aee543508d2ffcb1c3799cdea", version: "v7.0.1" },
  "aws-actions/configure-aws-credentials": {
    sha: "b47578312673ae6fa5b5096b330d9fbac3d116df",
    version: "v4.2.1",
  },
};
const MAJOR_TAG_ONLY: Record<string, string> = { "pulumi/actions": "v6" };

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
      const uses = Object.values(workflow.jobs).flatMap((j) =>
        j.steps.flatMap((s) => (s.uses ? [s.uses] : [])),
      );

      it("uses only reviewed actions, by full commit SHA with its version noted", () => {
        assert.ok(uses.length > 0);
        for (const ref of uses) {
          const [action, version] = ref.split("@") as [string, string];
          const pin = PINNED[action];
          if (pin) {
            assert.equal(version, pin.sha, `${ref} should be pinned to ${pin.version}`);
            assert.match(text, new RegExp(`${action}@${pin.sha} # ${pin.version}`));
          } else {
            assert.equal(MAJOR_TAG_ONLY[action], version, `${ref} is not a reviewed action`);
          }
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
