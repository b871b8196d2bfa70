import { strict as assert } from "node:assert";
import { policies } from "../../policy/testing";
import { allFixtures } from "./fixtures";
import { enforcementOf, runPolicy } from "./support/harness";

describe("policy rules, one fixture set per rule", () => {
  it("every rule of the pack has at least one violating and one passing fixture", () => {
    const covered = new Map(allFixtures.map((f) => [f.policy.name, f]));
    const missing = policies
      .map((p) => p.name)
      .filter((name) => !covered.get(name)?.violating.length || !covered.get(name)?.passing.length);
    assert.deepEqual(missing, [], `rules without fixtures: ${missing.join(", ")}`);
    const unknown = allFixtures.map((f) => f.policy).filter((p) => !policies.includes(p));
    assert.deepEqual(
      unknown.map((p) => p.name),
      [],
      "fixtures for rules the pack does not list",
    );
  });

  for (const { policy, violating, passing, notApplicable = [] } of allFixtures) {
    describe(`${policy.name} (${enforcementOf(policy)})`, () => {
      for (const c of violating) {
        it(`fires: ${c.title}`, async () => {
          const run = await runPolicy(policy, c.resources, c.config);
          assert.equal(
            run.unknownDuringPreview,
            undefined,
            "the rule read a value unknown in a preview",
          );
          assert.ok(
            run.violations.length > 0,
            `expected a violation, got none (${run.notApplicableReasons.join("; ")})`,
          );
          for (const v of run.violations) {
            assert.match(v.message, c.message);
            assert.equal(v.enforcementLevel, enforcementOf(policy));
          }
        });
      }
      for (const c of passing) {
        it(`passes: ${c.title}`, async () => {
          const run = await runPolicy(policy, c.resources, c.config);
          assert.equal(
            run.unknownDuringPreview,
            undefined,
            "the rule read a value unknown in a preview",
          );
          assert.ok(run.applied, `rule did not apply: ${run.notApplicableReasons.join("; ")}`);
          assert.deepEqual(
            run.violations.map((v) => v.message),
            [],
          );
        });
      }
      for (const c of notApplicable) {
        it(`does not judge: ${c.title}`, async () => {
          const run = await runPolicy(policy, c.resources, c.config);
          assert.equal(run.applied, false);
          assert.deepEqual(run.violations, []);
          assert.ok(run.notApplicableReasons.length > 0);
        });
      }
    });
  }
});
