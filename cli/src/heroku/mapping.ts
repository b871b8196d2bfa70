import { ENV_NAME } from "../../../infra/src/agent/contract";
import {
  HEROKU_POSTGRES_ATTACHMENT,
  HEROKU_REDIS_VARS,
  POSTGRES_ADDON,
  addOnAdvice,
} from "./addons";
import { AppJson, AppJsonEnvVar } from "./app-json";
import { dynoMemoryMb, instanceTypeFor, isDedicatedDyno } from "./dynos";
import { processArgv } from "./process-command";
import { ProcessType } from "./procfile";
import { classifyVar } from "./secret-rules";

/** The three things a Heroku app leaves with; each is optional, at least one is given. */
export interface HerokuInputs {
  processes?: ProcessType[];
  appJson?: AppJson;
  /** `heroku config --json`, in its order. */
  config?: Map<string, string>;
  /** File names as the operator gave them, for messages and the printed commands. */
  files: { procfile?: string; appJson?: string; config?: string };
}

/** Where a secret's value comes from when it is set. */
export type SecretSource =
  | { from: "config"; file: string }
  | { from: "app.json"; file: string }
  /** app.json's `generator: "secret"` and no value anywhere: a new random value. */
  | { from: "generate" };

export interface SecretVar {
  name: string;
  /** Undefined only for a value to generate. Never printed. */
  value?: string;
  source: SecretSource;
  rule: string;
}

/** What happened to one config var, and the rule that decided it. */
export interface Decision {
  name: string;
  to: "env" | "secretEnv" | "database" | "not copied";
  rule: string;
}

/** Something berth cannot carry across, and what to do instead. */
export interface CannotMap {
  what: string;
  why: string;
  instead: string;
}

/** The berth settings the import decides; undefined fields leave the stack's value alone. */
export interface StackSettings {
  webCommand?: string[];
  /** null: no release command (the Procfile has no release type). */
  releaseCommand?: string[] | null;
  /** count 0: no worker (the Procfile has no worker type). */
  worker?: { command?: string[]; count: number };
  hosts?: { count?: number; instanceType?: string };
  env: Record<string, string>;
  /** `berth:database: {}`: berth creates the database and sets DATABASE_URL itself. */
  database: boolean;
}

export interface ImportPlan {
  settings: StackSettings;
  secrets: SecretVar[];
  decisions: Decision[];
  cannotMap: CannotMap[];
  /** How a mapped value was derived, when it is not one-to-one. */
  notes: string[];
}

/** Set by Heroku's platform for each dyno; berth sets PORT, APP_DIGEST and APP_RELEASE itself. */
const PLATFORM_VARS =
  /^(PORT|DYNO|HEROKU_APP_ID|HEROKU_APP_NAME|HEROKU_DYNO_ID|HEROKU_RELEASE_CREATED_AT|HEROKU_RELEASE_VERSION|HEROKU_SLUG_COMMIT|HEROKU_SLUG_DESCRIPTION)$/;
const CLOCK_TYPES = /^(clock|scheduler|cron|beat)$/;
const MAX_HOSTS = 50;
const MAX_WORKERS_PER_HOST = 20;

/**
 * Maps a Heroku app (Procfile, app.json, `heroku config --json`) onto berth's stack config:
 * plain settings, secrets to set, and what cannot be mapped with what to do instead. Pure:
 * `currentHostsCount` is the stack's host count, used when app.json has no web formation.
 */
export function mapHerokuApp(inputs: HerokuInputs, currentHostsCount = 1): ImportPlan {
  const plan: ImportPlan = {
    settings: { env: {}, database: false },
    secrets: [],
    decisions: [],
    cannotMap: [],
    notes: [],
  };
  mapProcesses(inputs, plan);
  mapFormation(inputs, plan, currentHostsCount);
  const covered = mapAddOns(inputs, plan);
  mapVars(inputs, plan, covered);
  mapScripts(inputs, plan);
  return plan;
}

function mapProcesses({ processes, files }: HerokuInputs, plan: ImportPlan): void {
  if (processes === undefined) {
    plan.notes.push("no Procfile: berth:web, berth:worker and berth:release.command are unchanged");
    return;
  }
  const procfile = files.procfile ?? "Procfile";
  const byName = new Map(processes.map((p) => [p.name, p]));
  const command = (type: ProcessType) => {
    const { argv, shell } = processArgv(type.command);
    if (shell) plan.notes.push(`${procfile}:${type.line} ${type.name}: ${shell}`);
    return argv;
  };

  const web = byName.get("web");
  if (web) plan.settings.webCommand = command(web);
  else
    plan.cannotMap.push({
      what: `${procfile}: no web process type`,
      why: "berth always runs a web container behind the load balancer",
      instead:
        "add a web process to the Procfile, or leave berth:web.command unset to run the image's CMD",
    });
  const release = byName.get("release");
  plan.settings.releaseCommand = release ? command(release) : null;
  const worker = byName.get("worker");
  plan.settings.worker = worker ? { command: command(worker), count: 1 } : { count: 0 };
  if (web)
    plan.cannotMap.push({
      what: "web health check",
      why: "Heroku routes to a dyno once it listens on $PORT; berth switches a host to a new release only when GET berth:web.healthPath (default /healthz) answers 2xx and the smoke paths (berth:release.smokePaths, default /) answer 2xx or 3xx",
      instead:
        "add a /healthz route that answers 200 without a login, or set berth:web.healthPath to a path that does",
    });

  for (const type of processes) {
    if (type.name === "web" || type.name === "worker" || type.name === "release") continue;
    const where = `${procfile}:${type.line} ${type.name}`;
    if (CLOCK_TYPES.test(type.name))
      plan.cannotMap.push({
        what: where,
        why: "berth has no schedule yet, and its worker runs on every host: a clock as the worker would fire once per host",
        instead:
          "run the schedule inside the worker with a guard so one host runs each job once (a Postgres advisory lock, or unique jobs in the queue), or trigger the jobs from an Amazon EventBridge schedule",
      });
    else
      plan.cannotMap.push({
        what: where,
        why: "berth runs one web and one worker command per host; other process types have no place",
        instead: `merge it into the worker (one process that serves both queues), or, if it is the app's only background process, rename it worker in the Procfile`,
      });
  }
}

function mapFormation({ appJson, processes }: HerokuInputs, plan: ImportPlan, hosts: number): void {
  const formation = appJson?.formation;
  if (!formation || formation.size === 0) return;
  const web = formation.get("web");
  let hostCount = hosts;
  if (web?.quantity !== undefined) {
    if (web.quantity === 0)
      plan.notes.push(
        "formation.web.quantity is 0: berth:hosts.count is unchanged (berth needs at least 1)",
      );
    else {
      hostCount = Math.min(web.quantity, MAX_HOSTS);
      plan.settings.hosts = { count: hostCount };
      plan.notes.push(
        `berth:hosts.count ${hostCount}: one host per web dyno (formation.web.quantity ${web.quantity}); each host runs one web container`,
      );
      if (web.quantity > MAX_HOSTS)
        plan.cannotMap.push({
          what: `formation.web.quantity ${web.quantity}`,
          why: `berth runs at most ${MAX_HOSTS} hosts per stack`,
          instead: `use larger instances (the app can run more processes per container, e.g. WEB_CONCURRENCY) with ${MAX_HOSTS} hosts or fewer`,
        });
    }
  }
  const worker = formation.get("worker");
  const hasWorker = processes?.some((p) => p.name === "worker") ?? false;
  let workersPerHost = hasWorker ? 1 : 0;
  if (hasWorker && worker?.quantity !== undefined && plan.settings.worker) {
    workersPerHost = Math.min(Math.ceil(worker.quantity / hostCount), MAX_WORKERS_PER_HOST);
    plan.settings.worker.count = workersPerHost;
    plan.notes.push(
      `berth:worker.count ${workersPerHost} per host: formation.worker.quantity ${worker.quantity} over ${hostCount} host(s), rounded up`,
    );
  }

  const sizes = [...formation.entries()].filter(([, f]) => f.size !== undefined);
  if (sizes.length === 0) return;
  const shown = sizes.map(([name, f]) => `${name} ${f.size}`).join(", ");
  const unknown = sizes.find(([, f]) => dynoMemoryMb(f.size as string) === undefined);
  if (unknown) {
    plan.cannotMap.push({
      what: `dyno size ${unknown[1].size} (formation.${unknown[0]})`,
      why: "not a dyno size berth knows the memory of",
      instead:
        "pick berth:hosts.instanceType yourself: twice the memory one host's web and workers use (a rollout runs both releases side by side), plus 1 GiB",
    });
    return;
  }
  const memory = (name: string) => dynoMemoryMb(formation.get(name)?.size ?? "standard-1x") ?? 512;
  const perHostMb = memory("web") + workersPerHost * (hasWorker ? memory("worker") : 0);
  const dedicated = sizes.some(([, f]) => isDedicatedDyno(f.size as string));
  const pick = instanceTypeFor(perHostMb, dedicated);
  if (!pick) {
    plan.cannotMap.push({
      what: `dyno sizes ${shown}`,
      why: `one host would need ${perHostMb} MB for its web and workers, more than the instance types berth picks from`,
      instead: "run more hosts with fewer workers each, and pick berth:hosts.instanceType yourself",
    });
    return;
  }
  plan.settings.hosts = { ...plan.settings.hosts, instanceType: pick.instanceType };
  plan.cannotMap.push({
    what: `dyno sizes ${shown}`,
    why: "a dyno size is a memory and CPU share with no EC2 equivalent",
    instead: `berth:hosts.instanceType ${pick.instanceType} (${pick.memoryMb} MB) is chosen by memory alone: ${perHostMb} MB per host (web${hasWorker ? ` + ${workersPerHost} worker(s)` : ""}) twice over, as a rollout runs both releases side by side, plus 1024 MB for the host; ${dedicated ? "performance dynos have dedicated CPU, hence a general-purpose m6i" : "shared-CPU dynos, hence a burstable t3"}. Load-test it before the cut-over`,
  });
}

/** Add-ons from app.json; returns the config vars their items already account for. */
function mapAddOns({ appJson, config }: HerokuInputs, plan: ImportPlan): Set<string> {
  const covered = new Set<string>();
  let postgres = 0;
  for (const addOn of appJson?.addons ?? []) {
    const label = `add-on ${addOn.service}${addOn.plan ? `:${addOn.plan}` : ""}`;
    if (addOn.service === POSTGRES_ADDON) {
      postgres += 1;
      if (postgres === 1) {
        plan.settings.database = true;
        plan.notes.push(
          `${label}: berth:database {} (an RDS PostgreSQL database; berth sets DATABASE_URL itself)`,
        );
        continue;
      }
      plan.cannotMap.push({
        what: `${label}${addOn.as ? ` as ${addOn.as}` : ""}`,
        why: "berth makes one database per stack",
        instead:
          "merge the data into the one database, or run the second one yourself (RDS) and set its URL as a secret",
      });
      continue;
    }
    const advice = addOnAdvice(addOn.service);
    const attachment = addOn.as ? new RegExp(`^${addOn.as}_`) : undefined;
    const vars = [...(config?.keys() ?? [])].filter(
      (name) => advice.vars.test(name) || attachment?.test(name),
    );
    if (advice.herokuOwned) vars.forEach((name) => covered.add(name));
    const varsText = vars.length
      ? `; its config vars (${vars.join(", ")}) ${advice.herokuOwned ? "are not copied: they point into Heroku" : "are copied as they are"}`
      : "";
    plan.cannotMap.push({
      what: `${label} (${advice.kind})`,
      why: `berth does not create this${varsText}`,
      instead: advice.instead,
    });
  }
  return covered;
}

function mapVars(
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

function mapScripts({ appJson }: HerokuInputs, plan: ImportPlan): void {
  for (const [name, command] of appJson?.scripts ?? []) {
    plan.cannotMap.push({
      what: `app.json scripts.${name} (${command})`,
      why:
        name === "postdeploy"
          ? "Heroku runs it once, after it creates an app (review apps, the Heroku Button); berth has no such hook"
          : "a Heroku-only hook (review apps or Heroku CI)",
      instead:
        name === "postdeploy"
          ? `run it once by hand after the first pulumi up: npm run berth -- exec -s STACK -- ${command}`
          : "run it from your CI instead",
    });
  }
  if ((appJson?.buildpacks.length ?? 0) > 0)
    plan.cannotMap.push({
      what: `app.json buildpacks (${appJson?.buildpacks.join(", ")})`,
      why: "berth builds the image from a Dockerfile",
      instead:
        "write a Dockerfile that installs what the buildpacks did (app-image/Dockerfile shows the pattern: a build stage, then a small runtime stage)",
    });
}
