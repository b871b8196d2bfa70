import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAppJson } from "../../cli/src/heroku/app-json";
import { parseHerokuConfig } from "../../cli/src/heroku/config-vars";
import { instanceTypeFor } from "../../cli/src/heroku/dynos";
import { HerokuInputs, ImportPlan, mapHerokuApp } from "../../cli/src/heroku/mapping";
import { processArgv } from "../../cli/src/heroku/process-command";
import { parseProcfile } from "../../cli/src/heroku/procfile";
import { classifyVar } from "../../cli/src/heroku/secret-rules";

const FIXTURES = join(__dirname, "fixtures", "heroku");
const read = (path: string) => readFileSync(join(FIXTURES, path), "utf8");

function railsInputs(): HerokuInputs {
  return {
    processes: parseProcfile(read("rails/Procfile")),
    appJson: parseAppJson(read("rails/app.json")),
    config: parseHerokuConfig(read("rails/heroku-config.json")),
    files: { procfile: "Procfile", appJson: "app.json", config: "heroku-config.json" },
  };
}

const decision = (plan: ImportPlan, name: string) => plan.decisions.find((d) => d.name === name);
const cannot = (plan: ImportPlan, what: RegExp) => plan.cannotMap.find((c) => what.test(c.what));

describe("heroku import: the mapping", () => {
  const plan = mapHerokuApp(railsInputs());

  describe("process types", () => {
    it("maps web, worker and release onto berth's commands", () => {
      assert.deepEqual(plan.settings.webCommand, [
        "sh",
        "-c",
        "exec bundle exec puma -C config/puma.rb -p $PORT",
      ]);
      assert.deepEqual(plan.settings.worker?.command, [
        "bundle",
        "exec",
        "sidekiq",
        "-C",
        "config/sidekiq.yml",
      ]);
      assert.deepEqual(plan.settings.releaseCommand, ["bin/rails", "db:migrate"]);
    });

    it("lists clock as cannot map, pointing at berth:schedule", () => {
      const clock = cannot(plan, /Procfile:6 clock/);
      assert.ok(clock, "clock is listed");
      assert.match(clock.why, /fire once per host/);
      assert.match(clock.instead, /berth:schedule/);
    });

    it("turns the worker and release command off when the Procfile has none", () => {
      const web = mapHerokuApp({ processes: parseProcfile("web: node server.js"), files: {} });
      assert.deepEqual(web.settings.worker, { count: 0 });
      assert.equal(web.settings.releaseCommand, null);
      assert.deepEqual(web.settings.webCommand, ["node", "server.js"]);
    });

    it("lists another process type with what to do instead", () => {
      const other = mapHerokuApp({
        processes: parseProcfile("web: node s.js\nurgent: node urgent.js"),
        files: { procfile: "Procfile" },
      });
      assert.match(cannot(other, /Procfile:2 urgent/)?.instead ?? "", /merge it into the worker/);
    });

    it("leaves processes alone without a Procfile", () => {
      const none = mapHerokuApp({ config: new Map([["LANG", "C"]]), files: {} });
      assert.equal(none.settings.webCommand, undefined);
      assert.equal(none.settings.worker, undefined);
      assert.equal(none.settings.releaseCommand, undefined);
    });
  });

  describe("commands", () => {
    it("keeps plain words as the argv, no shell", () => {
      assert.deepEqual(processArgv("node dist/server.js --port=3000"), {
        argv: ["node", "dist/server.js", "--port=3000"],
      });
    });

    it("runs $VARS under sh -c with exec, so the app gets SIGTERM", () => {
      assert.deepEqual(processArgv("gunicorn app:app -b 0.0.0.0:$PORT").argv, [
        "sh",
        "-c",
        "exec gunicorn app:app -b 0.0.0.0:$PORT",
      ]);
    });

    it("runs a compound command or leading assignments under sh -c as it is", () => {
      for (const command of [
        "bin/rails db:migrate && bin/rails cache:clear",
        "RAILS_MAX_THREADS=5 bundle exec puma",
        "node a.js | tee log",
      ])
        assert.deepEqual(processArgv(command).argv, ["sh", "-c", command]);
    });
  });

  describe("config vars", () => {
    it("maps DATABASE_URL to berth:database and never copies its value", () => {
      assert.equal(plan.settings.database, true);
      assert.equal(decision(plan, "DATABASE_URL")?.to, "database");
      const everything = JSON.stringify(plan);
      assert.ok(!everything.includes("p0a9s8s7w6o5r4d3"), "the database password is nowhere");
      assert.equal(decision(plan, "HEROKU_POSTGRESQL_COBALT_URL")?.to, "not copied");
    });

    it("lists Heroku Redis as cannot map and copies none of its URLs", () => {
      assert.equal(decision(plan, "REDIS_URL")?.to, "not copied");
      assert.equal(decision(plan, "REDIS_TLS_URL")?.to, "not copied");
      const redis = cannot(plan, /heroku-redis/);
      assert.match(redis?.why ?? "", /REDIS_URL, REDIS_TLS_URL\) are not copied/);
      assert.match(redis?.instead ?? "", /ElastiCache/);
      assert.ok(!JSON.stringify(plan).includes("r3d1sP4ssw0rd"));
    });

    it("lists REDIS_URL as cannot map without app.json too", () => {
      const only = mapHerokuApp({
        config: new Map([["REDIS_URL", "redis://h:pw@host:6379"]]),
        files: {},
      });
      assert.equal(only.secrets.length, 0);
      assert.match(cannot(only, /^REDIS_URL$/)?.instead ?? "", /set its URL as a secret/);
    });

    it("says which rule made each secret or plain decision", () => {
      assert.deepEqual(
        [
          "SECRET_KEY_BASE",
          "PAPERTRAIL_API_TOKEN",
          "STRIPE_API_KEY",
          "SENTRY_DSN",
          "LOCKBOX_MASTER_KEY",
        ].map((name) => [name, decision(plan, name)?.to, decision(plan, name)?.rule]),
        [
          ["SECRET_KEY_BASE", "secretEnv", 'app.json marks it generator: "secret"'],
          ["PAPERTRAIL_API_TOKEN", "secretEnv", "its name contains TOKEN"],
          ["STRIPE_API_KEY", "secretEnv", "its name contains KEY"],
          ["SENTRY_DSN", "secretEnv", "its name contains DSN"],
          [
            "LOCKBOX_MASTER_KEY",
            "secretEnv",
            'app.json marks it generator: "secret" (a new random value)',
          ],
        ],
      );
      assert.equal(decision(plan, "RAILS_ENV")?.to, "env");
    });

    it("keeps secrets out of the plain settings, and plain values out of the secrets", () => {
      assert.deepEqual(plan.settings.env, {
        RAILS_ENV: "production",
        RACK_ENV: "production",
        RAILS_LOG_TO_STDOUT: "enabled",
        RAILS_SERVE_STATIC_FILES: "enabled",
        LANG: "en_US.UTF-8",
        WEB_CONCURRENCY: "3",
        ASSET_HOST: "https://cdn.shop.example.com",
      });
      assert.deepEqual(
        plan.secrets.map((s) => [s.name, s.source.from]),
        [
          ["PAPERTRAIL_API_TOKEN", "config"],
          ["SECRET_KEY_BASE", "config"],
          ["STRIPE_API_KEY", "config"],
          ["SENTRY_DSN", "config"],
          ["LOCKBOX_MASTER_KEY", "generate"],
        ],
      );
    });

    it("takes the config dump's value over app.json's default", () => {
      assert.equal(plan.settings.env.WEB_CONCURRENCY, "3");
    });

    it("skips Heroku's dyno metadata and PORT", () => {
      const metadata = mapHerokuApp({
        config: new Map([
          ["PORT", "5000"],
          ["HEROKU_APP_NAME", "shop"],
        ]),
        files: {},
      });
      assert.deepEqual(metadata.settings.env, {});
      assert.match(decision(metadata, "PORT")?.rule ?? "", /berth sets PORT to berth:web.port/);
    });

    it("lists a required var with no value, and a multi-line one, as cannot map", () => {
      const missing = mapHerokuApp({
        appJson: parseAppJson('{"env": {"STRIPE_API_KEY": {"description": "Stripe key"}}}'),
        config: new Map([
          ["TLS_CERT_PEM", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"],
        ]),
        files: {},
      });
      assert.match(
        cannot(missing, /^STRIPE_API_KEY$/)?.why ?? "",
        /app.json requires it \(Stripe key\)/,
      );
      assert.match(cannot(missing, /^TLS_CERT_PEM$/)?.instead ?? "", /base64/);
      assert.equal(missing.secrets.length, 0);
    });

    it("classifies by name words, credentials in a URL, and nothing else", () => {
      assert.deepEqual(classifyVar("AWS_SECRET_ACCESS_KEY", "x", undefined).secret, true);
      assert.deepEqual(classifyVar("KEYCLOAK_REALM", "shop", undefined), {
        secret: false,
        rule: "no secret rule matched (name or value)",
      });
      assert.deepEqual(classifyVar("AMQP_URL", "amqps://user:pw@broker:5671/vhost", undefined), {
        secret: true,
        rule: "its value is a URL with credentials in it",
      });
      assert.equal(
        classifyVar("ASSET_HOST", "https://cdn.example.com/a@b", undefined).secret,
        false,
      );
    });
  });

  describe("add-ons, formation and scripts", () => {
    it("maps Heroku Postgres to berth:database and lists the others with what to do instead", () => {
      assert.match(plan.notes.join("\n"), /heroku-postgresql:standard-0: berth:database \{\}/);
      assert.match(cannot(plan, /papertrail/)?.instead ?? "", /berth keeps each container's log/);
      assert.match(cannot(plan, /scheduler/)?.instead ?? "", /into berth:schedule/);
    });

    it("derives hosts from web dynos and workers per host from worker dynos", () => {
      assert.deepEqual(plan.settings.hosts, { count: 2, instanceType: "t3.large" });
      assert.equal(plan.settings.worker?.count, 2, "3 worker dynos over 2 hosts, rounded up");
      assert.match(cannot(plan, /dyno sizes/)?.instead ?? "", /chosen by memory alone/);
    });

    it("picks instance types by memory, twice over for a rollout, dedicated CPU for performance dynos", () => {
      assert.deepEqual(instanceTypeFor(512, false), {
        instanceType: "t3.small",
        memoryMb: 2048,
        neededMb: 2048,
      });
      assert.equal(instanceTypeFor(513, false)?.instanceType, "t3.medium");
      assert.equal(instanceTypeFor(2560, true)?.instanceType, "m6i.large");
      assert.equal(instanceTypeFor(200000, true), undefined);
      const performance = mapHerokuApp({
        processes: parseProcfile("web: node s.js"),
        appJson: parseAppJson('{"formation": {"web": {"quantity": 3, "size": "Performance-L"}}}'),
        files: {},
      });
      assert.deepEqual(performance.settings.hosts, { count: 3, instanceType: "m6i.2xlarge" });
    });

    it("lists an unknown dyno size without picking an instance type", () => {
      const unknown = mapHerokuApp({
        appJson: parseAppJson('{"formation": {"web": {"quantity": 1, "size": "mega-9x"}}}'),
        files: {},
      });
      assert.equal(unknown.settings.hosts?.instanceType, undefined);
      assert.ok(cannot(unknown, /dyno size mega-9x/));
    });

    it("lists postdeploy and buildpacks with what to do instead", () => {
      assert.match(
        cannot(plan, /scripts\.postdeploy/)?.instead ?? "",
        /npm run berth -- run -s STACK -- bin\/rails db:seed/,
      );
      assert.match(cannot(plan, /buildpacks/)?.instead ?? "", /Dockerfile/);
    });
  });
});
