import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ImportPlan } from "../../cli/src/heroku/mapping";
import { applyImportToStackYaml } from "../../cli/src/heroku/stack-yaml";
import { parseStackConfig } from "../../infra/src/config";
import { testSshPrivateKey, withTestPublicKey } from "../support/pulumi/runProgram";

const ROOT = join(__dirname, "..", "..");
const STAGING = readFileSync(join(ROOT, "Pulumi.staging.yaml"), "utf8");

function plan(overrides: Partial<ImportPlan["settings"]> = {}, secrets: string[] = []): ImportPlan {
  return {
    settings: { env: {}, database: false, ...overrides },
    secrets: secrets.map((name) => ({
      name,
      value: "v",
      source: { from: "config", file: "c.json" },
      rule: "r",
    })),
    decisions: [],
    cannotMap: [],
    notes: [],
  };
}

const configOf = (text: string) => (parse(text) as { config: Record<string, unknown> }).config;

describe("heroku import: writing Pulumi.<stack>.yaml", () => {
  it("changes nothing, byte for byte, when the plan sets nothing", () => {
    const { text, changes } = applyImportToStackYaml(STAGING, plan());
    assert.equal(text, STAGING);
    assert.deepEqual(changes, []);
  });

  it("sets the commands, hosts, env and database, keeping comments, order and long lines", () => {
    const { text, changes, problems } = applyImportToStackYaml(
      STAGING,
      plan({
        webCommand: ["sh", "-c", "exec bundle exec puma -p $PORT"],
        releaseCommand: ["bin/rails", "db:migrate"],
        worker: { command: ["bundle", "exec", "sidekiq"], count: 2 },
        hosts: { count: 2, instanceType: "t3.large" },
        env: { RAILS_ENV: "production", WEB_CONCURRENCY: "3" },
        database: true,
      }),
    );
    assert.deepEqual(problems, []);
    assert.match(text, /^# staging: the cheapest sane layout\./);
    assert.match(text, /# The office VPN and the CI runners' egress; never 0\.0\.0\.0\/0\./);
    assert.match(text, /publicKey: ssh-ed25519 \S+ deploy@shop-api-staging\n/, "not folded");
    assert.match(text, /command: \[bundle, exec, sidekiq\]\n {4}count: 2\n/);
    assert.match(text, / {4}WEB_CONCURRENCY: "3"\n/, "a number-like value stays a string");
    assert.match(text, /\n {2}berth:database: \{\}\n/);
    const config = configOf(text);
    assert.deepEqual(Object.keys(config), [...Object.keys(configOf(STAGING)), "berth:database"]);
    assert.deepEqual((config["berth:release"] as { command: string[] }).command, [
      "bin/rails",
      "db:migrate",
    ]);
    assert.deepEqual(
      changes.map((c) => c.replace(/ = .*$/, "")),
      [
        "set berth:web.command",
        "set berth:release.command",
        "set berth:worker.command",
        "set berth:worker.count",
        "set berth:hosts.count",
        "set berth:hosts.instanceType",
        "set berth:env.RAILS_ENV",
        "set berth:env.WEB_CONCURRENCY",
        "set berth:database",
      ],
    );
  });

  it("writes a file berth's own config schema loads", () => {
    const { text } = applyImportToStackYaml(
      STAGING,
      plan({
        webCommand: ["node", "server.js"],
        worker: { count: 0 },
        releaseCommand: null,
        hosts: { count: 1, instanceType: "t3.small" },
        env: { LANG: "en_US.UTF-8" },
      }),
    );
    // berth:database is left out here: its schema comes with the database component.
    const raw = configOf(text);
    raw["berth:sshPrivateKey"] = testSshPrivateKey();
    raw["berth:ssh"] = withTestPublicKey(raw["berth:ssh"]);
    const loaded = parseStackConfig(raw);
    assert.deepEqual(loaded.web.command, ["node", "server.js"]);
    assert.equal(loaded.worker, null);
    assert.equal(loaded.release.command, null);
    assert.equal(loaded.env.LANG, "en_US.UTF-8");
  });

  it("moves a name between env and secretEnv so it is in only one", () => {
    const before = [
      "config:",
      "  berth:env:",
      "    STRIPE_API_KEY: oops-plain",
      "    LANG: C",
      "  berth:secretEnv:",
      "    ASSET_HOST:",
      "      secure: v1:abc",
      "    DATABASE_URL:",
      "      secure: v1:def",
      "",
    ].join("\n");
    const { text, changes } = applyImportToStackYaml(
      before,
      plan({ env: { ASSET_HOST: "https://cdn.example.com" }, database: true }, ["STRIPE_API_KEY"]),
    );
    const config = configOf(text);
    assert.deepEqual(config["berth:env"], { LANG: "C", ASSET_HOST: "https://cdn.example.com" });
    assert.deepEqual(config["berth:secretEnv"], {});
    assert.ok(
      changes.includes("removed berth:env.STRIPE_API_KEY (now a secret in berth:secretEnv)"),
    );
    assert.ok(changes.includes("removed berth:secretEnv.ASSET_HOST (now plain in berth:env)"));
    assert.ok(
      changes.includes(
        "removed berth:secretEnv.DATABASE_URL (berth:database sets DATABASE_URL itself)",
      ),
    );
  });

  it("removes the release command when the Procfile has none, and keeps an existing berth:database", () => {
    const before =
      "config:\n  berth:release:\n    command: [old]\n    batchSize: 1\n  berth:database:\n    instanceClass: db.t4g.small\n";
    const { text } = applyImportToStackYaml(before, plan({ releaseCommand: null, database: true }));
    assert.deepEqual(configOf(text)["berth:release"], { batchSize: 1 });
    assert.deepEqual(configOf(text)["berth:database"], { instanceClass: "db.t4g.small" });
  });

  it("reports what berth's config would refuse", () => {
    const before = "config:\n  berth:hosts:\n    count: 3\n  berth:release:\n    batchSize: 3\n";
    const { problems } = applyImportToStackYaml(
      before,
      plan({ hosts: { count: 2 }, env: { "9LIVES": "x" } }),
    );
    assert.deepEqual(problems, [
      'berth:env has a bad name "9LIVES": it must be a variable name (letters, digits, _; not starting with a digit)',
      "berth:release.batchSize 3 is more than berth:hosts.count 2: lower it with pulumi config set --path 'berth:release.batchSize' 2",
    ]);
  });

  it("refuses a file that is not YAML", () => {
    assert.throws(() => applyImportToStackYaml("config: [\n", plan()), /not valid YAML/);
  });
});
