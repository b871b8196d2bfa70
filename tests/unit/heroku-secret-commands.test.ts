import assert from "node:assert/strict";
import {
  generateSecretValue,
  pulumiSecretArgv,
  secretCommandLine,
} from "../../cli/src/heroku/secret-commands";

describe("heroku import: secret commands", () => {
  it("builds pulumi config set --secret with the key and no value", () => {
    assert.deepEqual(pulumiSecretArgv("prod", "STRIPE_API_KEY", "/repo"), [
      "pulumi",
      "--cwd",
      "/repo",
      "config",
      "set",
      "--secret",
      "--stack",
      "prod",
      "--path",
      "berth:secretEnv.STRIPE_API_KEY",
    ]);
  });

  it("prints a pipe from where each value is, quoting file names for the shell", () => {
    assert.equal(
      secretCommandLine("prod", {
        name: "STRIPE_API_KEY",
        value: "sk_live_x",
        source: { from: "config", file: "my app/heroku config.json" },
        rule: "r",
      }),
      "jq -j .STRIPE_API_KEY 'my app/heroku config.json' | pulumi config set --secret --stack prod --path berth:secretEnv.STRIPE_API_KEY",
    );
    assert.equal(
      secretCommandLine("prod", {
        name: "API_TOKEN",
        value: "t",
        source: { from: "app.json", file: "app.json" },
        rule: "r",
      }),
      `jq -j '.env.API_TOKEN | if type == "object" then .value else . end' app.json | pulumi config set --secret --stack prod --path berth:secretEnv.API_TOKEN`,
    );
    const generated = secretCommandLine("prod", {
      name: "SECRET_KEY_BASE",
      source: { from: "generate" },
      rule: "r",
    });
    assert.equal(
      generated,
      "openssl rand -hex 32 | pulumi config set --secret --stack prod --path berth:secretEnv.SECRET_KEY_BASE",
    );
  });

  it("never puts the value in the printed line", () => {
    const line = secretCommandLine("prod", {
      name: "STRIPE_API_KEY",
      value: "sk_live_51Hexample",
      source: { from: "config", file: "c.json" },
      rule: "r",
    });
    assert.ok(!line.includes("sk_live_51Hexample"));
  });

  it("generates 64 hex digits, a new value each time", () => {
    const a = generateSecretValue();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, generateSecretValue());
  });
});
