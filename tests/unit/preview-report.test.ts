import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { policies, runProgram, TEST_DATABASE_URL_FOR_TESTS } from "./preview-fixtures";
import { buildReport, keyOfUrn, policyVerdicts } from "../../cli/src/preview/report";
import { previewOnce } from "./preview-helpers";
import { durationSeconds } from "../policy/support/program";

function stackConfig(stack: string): Record<string, { [key: string]: unknown }> {
  const text = readFileSync(join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8");
  return (parse(text) as { config: Record<string, { [key: string]: unknown }> }).config;
}

describe("offline preview: the report of one stack", function () {
  this.timeout(180000);

  for (const stack of ["staging", "prod"]) {
    describe(stack, () => {
      const config = stackConfig(stack);
      const hosts = config["berth:hosts"] as { count: number; instanceType: string };
      const release = config["berth:release"] as { batchSize: number };

      it("lists every resource once, each under a parent that is in the tree", async () => {
        const report = await previewOnce(stack);
        const keys = report.resources.map((r) => r.key);
        assert.equal(new Set(keys).size, keys.length);
        assert.equal(report.summary.resources, keys.length);
        for (const r of report.resources)
          if (r.parent) assert.ok(keys.includes(r.parent), `${r.key} -> ${r.parent}`);
        assert.ok(report.resources.some((r) => r.parent === null && r.type.startsWith("berth:")));
      });

      it("shows the key settings from the stack's config", async () => {
        const report = await previewOnce(stack);
        const instances = report.resources.filter(
          (r) => r.type === "aws:ec2/instance:Instance" && r.name.includes("-hosts-host-"),
        );
        assert.equal(instances.length, hosts.count);
        for (const i of instances) {
          assert.equal(i.settings.instanceType, hosts.instanceType);
          assert.equal(i.settings.imds, "required");
          assert.equal(i.settings.encrypted, true);
        }
      });

      it("gives every host a release, in batches of the configured size, built during up", async () => {
        const report = await previewOnce(stack);
        assert.equal(report.imageSource, "build");
        assert.equal(report.releases.length, hosts.count);
        for (const [i, r] of report.releases.entries()) {
          assert.equal(r.host, `host-${i + 1}`);
          assert.equal(r.batch, Math.floor(i / release.batchSize) + 1);
          assert.equal(r.image, null, "a digest that does not exist yet is not shown");
        }
      });

      it("has one verdict per rule of the pack and no mandatory violation", async () => {
        const report = await previewOnce(stack);
        assert.deepEqual(
          report.verdicts.map((v) => v.policy),
          policies.map((p) => p.name),
        );
        assert.equal(
          report.summary.mandatoryViolations,
          0,
          JSON.stringify(
            report.verdicts.filter((v) => v.violations.length && v.enforcement === "mandatory"),
          ),
        );
        for (const v of report.verdicts)
          assert.equal(v.outcome === "violated", v.violations.length > 0);
      });

      it("never carries a secret: no private key, no secret env value, no user data", async () => {
        const text = JSON.stringify(await previewOnce(stack));
        assert.doesNotMatch(text, /PRIVATE KEY/);
        assert.ok(!text.includes(TEST_DATABASE_URL_FOR_TESTS));
        assert.doesNotMatch(text, /#cloud-config/);
      });
    });
  }

  it("shows the pinned digest and config hash per host when the stack deploys a given digest", async () => {
    const digest = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-app@sha256:${"ab".repeat(32)}`;
    const proxyDigest = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-proxy@sha256:${"cd".repeat(32)}`;
    const releaseConfig = { ...stackConfig("staging")["berth:release"], digest, proxyDigest };
    const run = await runProgram({
      stack: "staging",
      configOverrides: { "berth:release": releaseConfig },
    });
    const report = buildReport(run, []);
    assert.equal(report.imageSource, "pinned");
    // The pinned digest, run from the stack's own repository (the program copies it there).
    assert.equal(
      report.releases[0]?.image,
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-staging-app@sha256:${"ab".repeat(32)}`,
    );
    assert.match(report.releases[0]?.configHash ?? "", /^[0-9a-f]{64}$/);
    assert.equal(
      report.resources.some((r) => r.type === "docker:index/image:Image"),
      false,
      "nothing is built",
    );
  });

  it("reports a mandatory violation when the config breaks a rule", async () => {
    const hosts = { ...stackConfig("staging")["berth:hosts"], instanceType: "p5.48xlarge" };
    const run = await runProgram({ stack: "staging", configOverrides: { "berth:hosts": hosts } });
    const verdicts = await policyVerdicts(run, policies);
    const allowed = verdicts.find((v) => v.policy === "ec2-allowed-instance-types");
    assert.equal(allowed?.outcome, "violated");
    assert.equal(allowed?.enforcement, "mandatory");
    assert.match(allowed?.violations[0]?.message ?? "", /p5\.48xlarge/);
    assert.equal(
      allowed?.violations[0]?.resource,
      "aws:ec2/instance:Instance::shop-api-hosts-host-1",
    );
  });
});

describe("offline preview: helpers", () => {
  it("reads a resource's key from its URN", () => {
    assert.equal(
      keyOfUrn(
        "urn:pulumi:prod::berth::berth:hosts:Hosts$aws:ec2/instance:Instance::shop-api-hosts-host-1",
      ),
      "aws:ec2/instance:Instance::shop-api-hosts-host-1",
    );
    assert.equal(keyOfUrn("urn:pulumi:prod::berth::pulumi:pulumi:Stack::berth-prod"), null);
  });

  it("turns Pulumi's custom timeouts into seconds (the policy view's parser)", () => {
    assert.equal(durationSeconds("20m"), 1200);
    assert.equal(durationSeconds("1h30m15s"), 5415);
    assert.equal(durationSeconds(undefined), 0);
  });
});
