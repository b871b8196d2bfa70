import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAppJson } from "../../cli/src/heroku/app-json";
import { parseHerokuConfig } from "../../cli/src/heroku/config-vars";

const FIXTURES = join(__dirname, "fixtures", "heroku");
const read = (path: string) => readFileSync(join(FIXTURES, path), "utf8");

/** Asserts one line, naming the file and line, exit code 2. */
function throwsLine(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: Error & { exitCode?: number }) => {
    assert.match(error.message, message);
    assert.equal(error.message.split("\n").length, 1, "one line");
    assert.equal(error.exitCode, 2);
    return true;
  });
}

describe("heroku import: app.json", () => {
  const app = parseAppJson(read("rails/app.json"));

  it("reads env in both forms, with Heroku's default of required", () => {
    assert.deepEqual(
      app.env.find((v) => v.name === "RAILS_ENV"),
      { name: "RAILS_ENV", value: "production", required: true },
    );
    assert.deepEqual(
      app.env.find((v) => v.name === "SECRET_KEY_BASE"),
      {
        name: "SECRET_KEY_BASE",
        description: "Signs and encrypts the session cookies.",
        required: true,
        generator: "secret",
      },
    );
    assert.equal(app.env.find((v) => v.name === "SLACK_WEBHOOK")?.required, false);
  });

  it("reads formation, add-ons (string and object), scripts and buildpacks", () => {
    assert.deepEqual(app.formation.get("web"), { quantity: 2, size: "standard-2x" });
    assert.deepEqual(app.addons, [
      { service: "heroku-postgresql", plan: "standard-0" },
      { service: "heroku-redis", plan: "premium-0" },
      { service: "papertrail", plan: "choklad" },
      { service: "scheduler", plan: "standard" },
    ]);
    assert.equal(app.scripts.get("postdeploy"), "bin/rails db:seed");
    assert.deepEqual(app.buildpacks, ["heroku/ruby"]);
  });

  it("names the line and column of invalid JSON", () => {
    throwsLine(
      () => parseAppJson(read("broken/app-trailing-comma.json"), "app.json"),
      /^app\.json:5: column 3: not valid JSON: Expected double-quoted property name$/,
    );
  });

  it("names the path and the line of a value of the wrong type", () => {
    throwsLine(
      () => parseAppJson(read("broken/app-wrong-types.json"), "app.json"),
      /^app\.json:5: env\.SECRET_KEY_BASE\.required must be true or false \(got "yes"\)$/,
    );
    throwsLine(
      () => parseAppJson(read("broken/app-bad-formation.json"), "app.json"),
      /^app\.json:3: formation\.web\.quantity must be a whole number from 0 \(got 1\.5\)$/,
    );
  });

  it("refuses an unknown generator, a bad add-on and a top level that is not an object", () => {
    throwsLine(
      () => parseAppJson('{"env": {"X": {"generator": "uuid"}}}', "app.json"),
      /^app\.json:1: env\.X\.generator must be "secret"/,
    );
    throwsLine(
      () => parseAppJson('{\n"addons": [\n  "heroku-postgresql",\n  42\n]}', "app.json"),
      /^app\.json:4: addons\[1\] must be an add-on like/,
    );
    throwsLine(() => parseAppJson("[]", "app.json"), /^app\.json:1: must be a JSON object/);
  });
});

describe("heroku import: heroku config --json", () => {
  it("reads the flat object in its order", () => {
    const vars = parseHerokuConfig(read("rails/heroku-config.json"));
    assert.equal([...vars.keys()][0], "DATABASE_URL");
    assert.equal(vars.get("LANG"), "en_US.UTF-8");
    assert.equal(vars.size, 17);
  });

  it("names the key and line of a value that is not a string, without echoing it", () => {
    throwsLine(
      () => parseHerokuConfig(read("broken/config-not-strings.json"), "cfg.json"),
      /^cfg\.json:3: STRIPE_API_KEY must be a string, as heroku config --json prints every value \(got a number\)$/,
    );
    assert.throws(
      () => parseHerokuConfig(read("broken/config-not-strings.json"), "cfg.json"),
      (error: Error) => !error.message.includes("4242"),
    );
  });

  it("names the line of truncated JSON (the end of the file)", () => {
    throwsLine(
      () => parseHerokuConfig(read("broken/config-truncated.json"), "cfg.json"),
      /^cfg\.json:4: column 1: not valid JSON: Expected ',' or '}' after property value$/,
    );
    throwsLine(
      () => parseHerokuConfig('{\n  "LANG": "en_US', "cfg.json"),
      /^cfg\.json:2: column 17: not valid JSON: Unterminated string/,
    );
  });

  it("finds the line of a fault Node reports without a position", () => {
    throwsLine(
      () => parseHerokuConfig('{\n  "A": "1",\n  "B": yes\n}', "cfg.json"),
      /^cfg\.json:3: column 8: not valid JSON: Unexpected token 'y'$/,
    );
  });

  it("refuses heroku config's plain text output", () => {
    throwsLine(
      () => parseHerokuConfig("=== shop-api Config Vars\nLANG: en_US.UTF-8\n", "cfg.json"),
      /^cfg\.json:1: column 1: not valid JSON: Unexpected token '='$/,
    );
    throwsLine(() => parseHerokuConfig('["LANG"]', "cfg.json"), /must be one JSON object/);
  });
});
