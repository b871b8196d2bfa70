import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { diffReports, isEmptyDiff } from "../../cli/src/preview/diff";
import { renderDiff } from "../../cli/src/preview/render";
import { PreviewReport } from "../../cli/src/preview/report";
import { previewOnce } from "./preview-helpers";

function report(overrides: Partial<PreviewReport>): PreviewReport {
  return {
    stack: "a",
    imageSource: "build",
    resources: [],
    releases: [],
    verdicts: [],
    summary: { resources: 0, byType: {}, mandatoryViolations: 0, advisoryViolations: 0 },
    ...overrides,
  };
}

const vpc = (cidr: string) => ({
  key: "aws:ec2/vpc:Vpc::v",
  type: "aws:ec2/vpc:Vpc",
  name: "v",
  parent: null,
  settings: { cidr },
});
const nat = {
  key: "aws:ec2/natGateway:NatGateway::n",
  type: "aws:ec2/natGateway:NatGateway",
  name: "n",
  parent: null,
  settings: {},
};

describe("offline preview: differences", () => {
  it("finds nothing between a report and itself", () => {
    const r = report({ resources: [vpc("10.0.0.0/16")] });
    const diff = diffReports(r, r);
    assert.ok(isEmptyDiff(diff));
    assert.match(renderDiff(diff), /none$/);
  });

  it("lists added and removed resources, changed settings, releases and verdicts", () => {
    const from = report({
      stack: "staging",
      resources: [vpc("10.20.0.0/16")],
      releases: [{ host: "host-1", image: null, configHash: null, batch: 1 }],
      verdicts: [{ policy: "p", enforcement: "advisory", outcome: "pass", violations: [] }],
    });
    const to = report({
      stack: "prod",
      resources: [vpc("10.30.0.0/16"), nat],
      releases: [
        { host: "host-1", image: null, configHash: null, batch: 1 },
        { host: "host-2", image: null, configHash: null, batch: 2 },
      ],
      verdicts: [
        {
          policy: "p",
          enforcement: "advisory",
          outcome: "violated",
          violations: [{ message: "m", resource: null }],
        },
      ],
    });
    const diff = diffReports(from, to);
    assert.deepEqual(diff.added, [nat.key]);
    assert.deepEqual(diff.removed, []);
    assert.deepEqual(diff.changed, [
      {
        key: "aws:ec2/vpc:Vpc::v",
        changes: [{ setting: "cidr", from: "10.20.0.0/16", to: "10.30.0.0/16" }],
      },
    ]);
    assert.deepEqual(
      diff.releases.map((r) => [r.host, r.from, r.to?.batch]),
      [["host-2", null, 2]],
    );
    assert.deepEqual(diff.verdicts, [{ policy: "p", from: "pass", to: "violated (1)" }]);
    const text = renderDiff(diff);
    assert.match(text, /Differences from "staging" to "prod"/);
    assert.match(text, /\+ aws:ec2\/natGateway:NatGateway::n/);
    assert.match(text, /cidr: 10\.20\.0\.0\/16 -> 10\.30\.0\.0\/16/);
    assert.match(text, /~ host-2: no release -> batch 2 built during up/);
    assert.match(text, /~ p: pass -> violated \(1\)/);
  });

  it("shows staging -> prod as the two config files differ", async function () {
    this.timeout(180000);
    const read = (stack: string) =>
      (
        parse(readFileSync(join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as {
          config: Record<string, { instanceType: string; count: number }>;
        }
      ).config["berth:hosts"];
    const [stagingHosts, prodHosts] = [read("staging"), read("prod")];
    const diff = diffReports(await previewOnce("staging"), await previewOnce("prod"));
    const host1 = diff.changed.find(
      (c) => c.key === "aws:ec2/instance:Instance::shop-api-hosts-host-1",
    );
    if (stagingHosts?.instanceType !== prodHosts?.instanceType)
      assert.deepEqual(
        host1?.changes.find((c) => c.setting === "instanceType"),
        { setting: "instanceType", from: stagingHosts?.instanceType, to: prodHosts?.instanceType },
      );
    const extraHosts = (prodHosts?.count ?? 0) - (stagingHosts?.count ?? 0);
    assert.equal(
      diff.added.filter((k) => /^aws:ec2\/instance:Instance::shop-api-hosts-host-\d+$/.test(k))
        .length,
      Math.max(0, extraHosts),
    );
    assert.equal(diff.releases.filter((r) => r.from === null).length, Math.max(0, extraHosts));
  });
});
