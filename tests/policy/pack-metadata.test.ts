import { strict as assert } from "node:assert";
import { FSBP_NAME, policies } from "../../policy/testing";
import { enforcementOf, isStackPolicy } from "./support/harness";

describe("pack metadata", () => {
  it("has at least 20 rules with unique names", () => {
    assert.ok(policies.length >= 20, `only ${policies.length} rules`);
    const names = policies.map((p) => p.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
    );
  });

  it("every rule is explicitly mandatory or advisory and says what to do about a violation", () => {
    for (const p of policies) {
      assert.ok(
        ["mandatory", "advisory"].includes(p.enforcementLevel ?? ""),
        `${p.name}: set enforcementLevel`,
      );
      assert.ok(p.description.length > 40, `${p.name}: describe the rule`);
      if (enforcementOf(p) === "mandatory")
        assert.ok(p.remediationSteps, `${p.name}: mandatory rules say how to fix`);
    }
  });

  it("advisory rules say why they are only advisory", () => {
    for (const p of policies.filter((p) => p.enforcementLevel === "advisory")) {
      assert.match(p.description, /Advisory:|reported but allowed|advisory/i, p.name);
    }
  });

  it("every FSBP-mapped rule names each of its controls in its description", () => {
    const mapped = policies.filter((p) => p.framework);
    assert.ok(mapped.length >= 15, `only ${mapped.length} rules map to an FSBP control`);
    for (const p of mapped) {
      assert.equal(p.framework?.name, FSBP_NAME);
      for (const control of (p.framework?.reference ?? "").split(", ")) {
        assert.match(control, /^[A-Z][A-Za-z0-9]*\.\d+$/, `${p.name}: control id`);
        assert.ok(
          p.description.includes(control),
          `${p.name}: description should mention ${control}`,
        );
      }
    }
  });

  it("resource rules validate typed resources; stack rules validate the stack", () => {
    for (const p of policies) {
      if (isStackPolicy(p)) continue;
      assert.ok(p.validateResource, `${p.name} validates nothing`);
    }
  });
});
