import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { policies } from "../../policy/testing";
import { ProgramRun, runProgram } from "../support/pulumi/runProgram";
import { ACCEPTED_ADVISORIES } from "./accepted-advisories";
import { RuleConfigEntry, runPack, Violation } from "./support/harness";
import { policyViewOf } from "./support/program";

function describeViolation(v: Violation): string {
  return `  [${v.enforcementLevel}] ${v.policy} on ${v.urn?.split("::").pop() ?? "(stack)"}: ${v.message}`;
}

async function checkStack(
  stack: string,
  configOverrides?: Record<string, unknown>,
  policyConfig: Record<string, RuleConfigEntry> = {},
) {
  const run: ProgramRun = await runProgram(
    configOverrides ? { stack, configOverrides } : { stack },
  );
  return { run, pack: await runPack(policies, policyViewOf(run), policyConfig) };
}

/** The example --policy-pack-config file users start from. */
const EXAMPLE_CONFIG = JSON.parse(
  readFileSync(path.resolve(__dirname, "..", "..", "policy", "config.example.json"), "utf8"),
) as Record<string, RuleConfigEntry>;

describe("the pack on the berth program (mocked, each stack's real config)", function () {
  this.timeout(300_000);
  const appliedAnywhere = new Set<string>();

  for (const stack of Object.keys(ACCEPTED_ADVISORIES)) {
    it(`${stack}: no mandatory violation; only the accepted advisories`, async () => {
      const { run, pack } = await checkStack(stack);
      pack.applied.forEach((name) => appliedAnywhere.add(name));
      const mandatory = pack.violations.filter((v) => v.enforcementLevel === "mandatory");
      const advisories = pack.violations.filter((v) => v.enforcementLevel === "advisory");
      console.log(
        `    ${stack}: ${run.resources.length} resources, ${pack.applied.length}/${policies.length} rules applied, ` +
          `${mandatory.length} mandatory, ${advisories.length} advisory:`,
      );
      for (const v of advisories) console.log(`    ${describeViolation(v)}`);
      assert.deepEqual(mandatory.map(describeViolation), [], "mandatory violations");
      const triggered = [...new Set(advisories.map((v) => v.policy))].sort();
      assert.deepEqual(triggered, Object.keys(ACCEPTED_ADVISORIES[stack] ?? {}).sort());
    });
  }

  for (const stack of Object.keys(ACCEPTED_ADVISORIES)) {
    it(`${stack} with policy/config.example.json: still no mandatory violation`, async () => {
      const { pack } = await checkStack(stack, undefined, EXAMPLE_CONFIG);
      const mandatory = pack.violations.filter((v) => v.enforcementLevel === "mandatory");
      assert.deepEqual(mandatory.map(describeViolation), []);
      const advisories = new Set(pack.violations.map((v) => v.policy));
      const unexpected = [...advisories].filter(
        (name) => !(name in (ACCEPTED_ADVISORIES[stack] ?? {})),
      );
      assert.deepEqual(unexpected, [], "advisories beyond the accepted ones");
    });
  }

  const DATABASES: { stack: string; database: Record<string, unknown> }[] = [
    { stack: "staging", database: {} },
    { stack: "prod", database: {} },
    { stack: "prod", database: { rdsProxy: true } },
  ];
  for (const { stack, database } of DATABASES) {
    it(`${stack} with berth:database ${JSON.stringify(database)}: no mandatory violation; only the accepted advisories`, async () => {
      const { pack } = await checkStack(stack, {
        "berth:database": database,
        "berth:secretEnv": {},
      });
      pack.applied.forEach((name) => appliedAnywhere.add(name));
      const mandatory = pack.violations.filter((v) => v.enforcementLevel === "mandatory");
      assert.deepEqual(mandatory.map(describeViolation), [], "mandatory violations");
      const unexpected = [...new Set(pack.violations.map((v) => v.policy))].filter(
        (name) => !(name in (ACCEPTED_ADVISORIES[stack] ?? {})),
      );
      assert.deepEqual(unexpected, [], "advisories beyond the accepted ones");
      assert.ok(pack.applied.includes("rds-tls-enforced"), "the RDS rules judged the database");
    });
  }

  it("every rule judged something in at least one stack", () => {
    assert.ok(appliedAnywhere.size > 0, "the stack runs above must run first");
    const idle = policies.map((p) => p.name).filter((name) => !appliedAnywhere.has(name));
    assert.deepEqual(idle, []);
  });
});

describe("the pack catches a misconfigured prod end to end", function () {
  this.timeout(300_000);
  const prodHosts = { count: 2, instanceType: "t3.medium", rootVolumeGiB: 30 };
  const prodRelease = {
    batchSize: 1,
    healthSeconds: 90,
    drainSeconds: 15,
    stopSeconds: 30,
    keepReleases: 5,
  };

  const cases: { title: string; overrides: Record<string, unknown>; rule: string }[] = [
    {
      title: "a single host",
      overrides: { "berth:hosts": { ...prodHosts, count: 1 } },
      rule: "production-hosts-span-zones",
    },
    {
      title: "all hosts released at once",
      overrides: { "berth:release": { ...prodRelease, batchSize: 2 } },
      rule: "release-rolls-in-batches",
    },
    {
      title: "a database in one zone",
      overrides: { "berth:database": { multiAz: false }, "berth:secretEnv": {} },
      rule: "rds-multi-az-in-production",
    },
    {
      title: "a database without deletion protection",
      overrides: { "berth:database": { deletionProtection: false }, "berth:secretEnv": {} },
      rule: "rds-deletion-protection-in-production",
    },
    {
      title: "an instance type outside the allowed list",
      overrides: { "berth:hosts": { ...prodHosts, instanceType: "m5.24xlarge" } },
      rule: "ec2-allowed-instance-types",
    },
    {
      title: "alarms that mail no one",
      overrides: { "berth:alarms": { enabled: true, emails: [] } },
      rule: "production-alarms-notify",
    },
    {
      title: "no alarms",
      overrides: { "berth:alarms": { enabled: false } },
      rule: "production-alarms-notify",
    },
  ];
  for (const c of cases) {
    it(`${c.title} -> ${c.rule}`, async () => {
      const { pack } = await checkStack("prod", c.overrides);
      const mandatory = pack.violations.filter((v) => v.enforcementLevel === "mandatory");
      assert.deepEqual(
        [...new Set(mandatory.map((v) => v.policy))],
        [c.rule],
        mandatory.map(describeViolation).join("\n"),
      );
    });
  }
});

describe("the pack on prod with berth:domain", function () {
  this.timeout(300_000);
  it("a certificate berth requests, its records and the aliases: no mandatory violation", async () => {
    const { run, pack } = await checkStack("prod", {
      // prod's loadBalancer without its certificate ARN: the two exclude each other.
      "berth:loadBalancer": { deletionProtection: true, idleTimeoutSeconds: 60 },
      "berth:domain": { name: "shop.example.com", zone: "example.com" },
    });
    assert.equal(run.ofType("aws:acm/certificate:Certificate").length, 1);
    const mandatory = pack.violations.filter((v) => v.enforcementLevel === "mandatory");
    assert.deepEqual(mandatory.map(describeViolation), []);
  });
});
