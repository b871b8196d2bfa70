import { ENV_NAME } from "../../../infra/src/agent/contract";
import { HEROKU_POSTGRES_ATTACHMENT, HEROKU_REDIS_VARS, addOnAdvice } from "./addons";
import { AppJsonEnvVar } from "./app-json";
import { Decision, HerokuInputs, ImportPlan, SecretSource } from "./plan";
import { classifyVar } from "./secret-rules";

/** Set by Heroku's platform for each dyno; berth sets PORT, APP_DIGEST and APP_RELEASE itself. */
const PLATFORM_VARS =
  /^(PORT|DYNO|HEROKU_APP_ID|HEROKU_APP_NAME|HEROKU_DYNO_ID|HEROKU_RELEASE_CREATED_AT|HEROKU_RELEASE_VERSION|HEROKU_SLUG_COMMIT|HEROKU_SLUG_DESCRIPTION)$/;

/**
 * Config vars (the dump, then app.json's env) onto berth:env, berth:secretEnv or
 * berth:database, each with the rule that decided it; `covered` are vars an add-on item lists.
 */
export function mapVars(
  { appJson, config, files }: HerokuInputs,
  plan: ImportPlan,
  covered: Set<string>,
): void {
  const declared = new Map<string, AppJsonEnvVar>((appJson?.env ?? []).map((v) => [v.name, v]));
  const names = [...new Set([...(config?.keys() ?? []), ...declared.keys()])];
  const databaseUrl = config?.get("DATABASE_URL");
  const decide = (name: string, to: Decision["to"], rule: string) =>
    plan.decisions.push({ name, to, rule });

  for (const name of names) {
    const spec = declared.get(name);
    const configValue = config?.get(name);
    if (!ENV_NAME.test(name)) {
      decide(name, "not copied", "not a variable name berth accepts");
      plan.cannotMap.push({
        what: name,
        why: "berth's env names are letters, digits and _, not starting with a digit",
        instead: "rename it in the app and set it under the new name",
      });
      continue;
    }
    if (PLATFORM_VARS.test(name)) {
      decide(
        name,
        "not copied",
        name === "PORT"
          ? "set by the platform: berth sets PORT to berth:web.port"
          : "Heroku's dyno metadata: berth sets APP_DIGEST and APP_RELEASE instead",
      );
      continue;
    }
    if (name === "BUILDPACK_URL") {
      decide(name, "not copied", "berth builds the image from a Dockerfile, not a buildpack");
      continue;
    }
    if (name === "DATABASE_URL") {
      plan.settings.database = true;
      decide(
        name,
        "database",
        "Heroku Postgres: berth:database creates RDS PostgreSQL and sets DATABASE_URL itself; the Heroku value is not copied",
      );
      continue;
    }
    if (HEROKU_POSTGRES_ATTACHMENT.test(name)) {
      if (configValue !== undefined && configValue === databaseUrl) {
        decide(name, "not copied", "another name Heroku gives the same database as DATABASE_URL");
        continue;
      }
      decide(name, "not copied", "a second Heroku Postgres database");
      plan.cannotMap.push({
        what: name,
        why: "a Heroku Postgres database other than DATABASE_URL's; berth makes one database per stack",
        instead:
          "merge its data into the one database, or run it yourself (RDS) and set its URL as a secret",
      });
      continue;
    }
    if (covered.has(name) || HEROKU_REDIS_VARS.test(name)) {
      decide(name, "not copied", "points into a Heroku data add-on that goes with the app");
      if (!covered.has(name)) {
        const redis = addOnAdvice("heroku-redis");
        plan.cannotMap.push({
          what: name,
          why: `${redis.kind}: berth has no Redis`,
          instead: redis.instead,
        });
      }
      continue;
    }

    let value = configValue;
    let source: SecretSource | undefined =
      configValue !== undefined
        ? { from: "config", file: files.config ?? "heroku-config.json" }
        : undefined;
    if (value === undefined && spec?.value !== undefined) {
      value = spec.value;
      source = { from: "app.json", file: files.appJson ?? "app.json" };
    }
    if (value === undefined) {
      if (spec?.generator === "secret") {
        plan.secrets.push({
          name,
          source: { from: "generate" },
          rule: 'app.json marks it generator: "secret"; no value in the config dump, so a new random one',
        });
        decide(name, "secretEnv", 'app.json marks it generator: "secret" (a new random value)');
        continue;
      }
      if (spec?.required) {
        decide(name, "not copied", "required by app.json, but no value anywhere");
        plan.cannotMap.push({
          what: name,
          why: `app.json requires it${spec.description ? ` (${spec.description})` : ""} and neither the config dump nor app.json gives a value`,
          instead: `set it: pulumi config set --stack STACK --path 'berth:env.${name}' VALUE, or as a secret with --secret --path 'berth:secretEnv.${name}' (the value on stdin)`,
        });
      } else decide(name, "not copied", "optional in app.json and no value given");
      continue;
    }
    if (value.includes("\n")) {
      decide(name, "not copied", "the value has more than one line");
      plan.cannotMap.push({
        what: name,
        why: "its value spans lines (a PEM key or certificate?), and a container's env file holds one line per variable",
        instead:
          "store it base64-encoded on one line under a new name and decode it in the app, or keep it in AWS Secrets Manager and read it at boot",
      });
      continue;
    }
    const decision = classifyVar(name, value, spec);
    if (decision.secret) {
      plan.secrets.push({ name, value, source: source as SecretSource, rule: decision.rule });
      decide(name, "secretEnv", decision.rule);
    } else {
      plan.settings.env[name] = value;
      decide(name, "env", decision.rule);
    }
  }
}
