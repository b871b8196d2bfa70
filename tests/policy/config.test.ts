import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { policies } from "../../policy/testing";
import { AnyPolicy, runPolicy } from "./support/harness";
import { instance, loadBalancer } from "./fixtures/builders";

const EXAMPLE = path.resolve(__dirname, "..", "..", "policy", "config.example.json");

function policy(name: string): AnyPolicy {
  const found = policies.find((p) => p.name === name);
  assert.ok(found, `no rule ${name}`);
  return found;
}

describe("policy config", () => {
  it("a bad value stops the rule with the rule, key, value and where to fix it", async () => {
    await assert.rejects(
      runPolicy(policy("ec2-allowed-instance-types"), [instance()], {
        allowedInstanceTypes: ["huge"],
      }),
      (error: Error) => {
        assert.match(error.message, /invalid policy config for "ec2-allowed-instance-types"/);
        assert.match(
          error.message,
          /allowedInstanceTypes\.0: must look like t3\.small or t3\.\* \(got "huge"\)/,
        );
        assert.match(error.message, /--policy-pack-config/);
        return true;
      },
    );
  });

  it("an unknown key is rejected, not ignored (a typo must not switch a check off)", async () => {
    await assert.rejects(
      runPolicy(policy("alb-idle-timeout"), [loadBalancer()], { maxIdleTimeout: 30 }),
      /alb-idle-timeout\.\(root\): Unrecognized key: "maxIdleTimeout"/,
    );
  });

  it("a wrong type names the expected type and the value given", async () => {
    await assert.rejects(
      runPolicy(policy("ec2-imds-hop-limit"), [instance()], { maxHopLimit: "one" }),
      /ec2-imds-hop-limit\.maxHopLimit: .*expected number.* \(got "one"\)/,
    );
  });

  it("every configurable property has a default and a description in its JSON schema", () => {
    const configurable = policies.filter((p) => p.configSchema);
    assert.ok(configurable.length >= 10);
    for (const p of configurable) {
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        assert.ok(
          typeof schema === "object" && "default" in schema,
          `${p.name}.${key} has no default`,
        );
        assert.ok(
          typeof schema === "object" && schema.description,
          `${p.name}.${key} has no description`,
        );
      }
      assert.equal(p.configSchema?.required, undefined, `${p.name}: every key must be optional`);
    }
  });

  it("policy/config.example.json names real rules and real keys, and every value is accepted", async () => {
    const example = JSON.parse(readFileSync(EXAMPLE, "utf8")) as Record<string, unknown>;
    for (const [name, entry] of Object.entries(example)) {
      const p = policy(name);
      if (typeof entry === "string") {
        assert.ok(["mandatory", "advisory", "disabled"].includes(entry), `${name}: level ${entry}`);
        continue;
      }
      const keys = Object.keys(entry as object).filter((k) => k !== "enforcementLevel");
      for (const key of keys)
        assert.ok(p.configSchema?.properties[key], `${name}.${key} is not a config key`);
      await runPolicy(p, [instance()], entry as object); // throws on an invalid value
    }
  });
});
