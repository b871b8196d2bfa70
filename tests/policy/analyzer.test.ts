import { strict as assert } from "node:assert";
import { aws, policies } from "../../policy/testing";
import { runProgram } from "../support/pulumi/runProgram";
import { AnalyzerProcess, Diagnostic } from "./support/analyzer";
import { instance } from "./fixtures/builders";
import { policyViewOf } from "./support/program";
import { fixture } from "./support/harness";

const mandatory = (ds: Diagnostic[]) =>
  ds.filter((d) => d.enforcementLevel === "mandatory").map((d) => `${d.policyName}: ${d.message}`);

describe("the pack behind its real analyzer server (policy/index.ts in a child process)", function () {
  this.timeout(300_000);
  let analyzer: AnalyzerProcess;

  before(async () => {
    analyzer = await AnalyzerProcess.start();
  });
  after(() => analyzer?.stop());

  it("starts and publishes every rule with its level and config schema", async () => {
    const info = await analyzer.info();
    assert.equal(info.name, "berth");
    assert.equal(info.version, "0.1.0");
    assert.deepEqual(
      info.policies.map((p) => [p.name, p.enforcementLevel]),
      policies.map((p) => [p.name, p.enforcementLevel]),
    );
    const hopLimit = info.policies.find((p) => p.name === "ec2-imds-hop-limit");
    assert.deepEqual(Object.keys(hopLimit?.configSchema as object), ["maxHopLimit"]);
  });

  it("blocks a resource that violates a mandatory rule, and only that rule", async () => {
    const bad = instance("host-1", {
      metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 },
    });
    const diagnostics = await analyzer.analyze(bad);
    assert.deepEqual(
      diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["ec2-imdsv2-required", "mandatory"]],
    );
    assert.deepEqual(await analyzer.analyze(instance("host-1")), []);
  });

  it("runs a stack rule over the stack", async () => {
    const repo = fixture(
      aws.ecr.Repository,
      "app",
      { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" },
      { outputs: { name: "app-repo" } },
    );
    const diagnostics = await analyzer.analyzeStack([repo]);
    const blocking = mandatory(diagnostics);
    assert.equal(blocking.length, 1, blocking.join("\n"));
    // The server prefixes the rule's description; the rule's own message follows.
    assert.match(
      blocking[0] ?? "",
      /^ecr-lifecycle-policy: .*\nECR repository "app" has no lifecycle policy\.$/s,
    );
  });

  for (const stack of ["staging", "prod"]) {
    it(`${stack}: the program's resources and stack pass every mandatory rule`, async () => {
      const view = policyViewOf(await runProgram({ stack }));
      const perResource = (await Promise.all(view.inputs.map((r) => analyzer.analyze(r)))).flat();
      const stackWide = await analyzer.analyzeStack(view.outputs);
      assert.deepEqual([...mandatory(perResource), ...mandatory(stackWide)], []);
      const advisories = new Set([...perResource, ...stackWide].map((d) => d.policyName));
      console.log(
        `    ${stack}: ${view.inputs.length} resources analysed; advisories: ${[...advisories].sort().join(", ")}`,
      );
      // Staging's accepted advisories (prod has none) show the server reports advisories too.
      if (stack === "staging") assert.ok(advisories.has("vpc-flow-logs"), "no advisories reported");
    });
  }
});
