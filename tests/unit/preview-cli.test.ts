import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../cli/src/preview/index";
import { previewOnce } from "./preview-helpers";

describe("offline preview: the command", function () {
  this.timeout(180000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "berth-preview-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("names the valid stacks for an unknown one (exit 2)", async () => {
    const out = await main(["production"]);
    assert.equal(out.exitCode, 2);
    assert.match(out.text, /unknown stack "production": use one of prod, staging/);
  });

  it("needs a stack and has help", async () => {
    assert.equal((await main([])).exitCode, 2);
    const help = await main(["--help"]);
    assert.equal(help.exitCode, 0);
    assert.match(help.text, /Usage: preview:offline \[options\] <stack> \[other\]/);
    assert.match(help.text, /--json/);
  });

  it("prints the tree, the releases and the verdicts, and exits 0 without mandatory violations", async () => {
    const out = await main(["staging"]);
    assert.equal(out.exitCode, 0);
    assert.match(out.text, /^berth offline preview of stack "staging"/);
    assert.match(
      out.text,
      /\n {4}aws:ec2\/instance:Instance {2}shop-api-hosts-host-1 {2}instanceType=/,
    );
    assert.match(out.text, /\n {2}batch 1 {2}host-1 {2}image: built during up/);
    assert.match(out.text, /\nPolicy verdicts \(\d+ rules: /);
  });

  it("prints the same report as JSON with --json", async () => {
    const out = await main(["staging", "--json"]);
    assert.deepEqual(
      JSON.parse(out.text),
      JSON.parse(JSON.stringify(await previewOnce("staging"))),
    );
  });

  it("compares against a saved --json preview", async () => {
    const saved = join(dir, "staging.json");
    writeFileSync(saved, JSON.stringify(await previewOnce("staging")));
    const same = await main(["staging", saved]);
    assert.match(same.text, /Differences from "staging" to "staging"\n {2}none$/);
    const json = JSON.parse((await main(["prod", saved, "--json"])).text) as {
      diff: { from: string; to: string; added: string[] };
    };
    assert.equal(json.diff.from, "staging");
    assert.equal(json.diff.to, "prod");
    assert.ok(json.diff.added.length > 0);
  });

  it("rejects a file that is not a saved preview", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"hello":1}');
    const out = await main(["staging", bad]);
    assert.equal(out.exitCode, 2);
    assert.match(
      out.text,
      /bad\.json is not a saved preview \(want the output of npm run preview:offline -- STACK --json\)/,
    );
  });
});
