import { InputFileError } from "./input-error";
import { JsonPath, isPlainObject, parseJsonText, typeError } from "./json-file";

/** One entry of app.json's `env`. */
export interface AppJsonEnvVar {
  name: string;
  description?: string;
  /** The default value app.json gives. */
  value?: string;
  /** Heroku's default is true: the app needs a value at deploy time. */
  required: boolean;
  /** `generator: "secret"`: Heroku generates a random value when the app is created. */
  generator?: "secret";
}

/** One process type's `formation` entry. */
export interface Formation {
  quantity?: number;
  size?: string;
}

/** One add-on: `heroku-postgresql:essential-0`, or `{ "plan": "heroku-redis:mini", "as": "CACHE" }`. */
export interface AddOn {
  /** The add-on service, e.g. heroku-postgresql. */
  service: string;
  plan?: string;
  /** The attachment name (`as`), which prefixes its config vars (CACHE_URL). */
  as?: string;
}

/** The parts of Heroku's app.json schema the importer uses. */
export interface AppJson {
  env: AppJsonEnvVar[];
  formation: Map<string, Formation>;
  addons: AddOn[];
  /** `scripts`: postdeploy, pr-predestroy, ... */
  scripts: Map<string, string>;
  buildpacks: string[];
}

/**
 * Parses and checks app.json (https://devcenter.heroku.com/articles/app-json-schema): invalid
 * JSON names its line and column, a value of the wrong type names its path and line. Keys the
 * importer has no use for (name, logo, environments, ...) are not checked.
 */
export function parseAppJson(text: string, file = "app.json"): AppJson {
  const root = parseJsonText(text, file);
  if (!isPlainObject(root))
    throw new InputFileError(file, 1, `must be a JSON object (Heroku's app.json schema)`);
  const fail = (path: JsonPath, expected: string, got: unknown) =>
    typeError(text, file, path, expected, got);

  const env: AppJsonEnvVar[] = [];
  for (const [name, entry] of Object.entries(objectAt(root, "env", fail))) {
    if (typeof entry === "string") {
      env.push({ name, value: entry, required: true });
      continue;
    }
    if (!isPlainObject(entry))
      throw fail(
        ["env", name],
        "a string (its value) or an object (description, value, required, generator)",
        entry,
      );
    const { description, value, required, generator } = entry;
    if (description !== undefined && typeof description !== "string")
      throw fail(["env", name, "description"], "a string", description);
    if (value !== undefined && typeof value !== "string")
      throw fail(["env", name, "value"], 'a string (quote numbers: "5")', value);
    if (required !== undefined && typeof required !== "boolean")
      throw fail(["env", name, "required"], "true or false", required);
    if (generator !== undefined && generator !== "secret")
      throw fail(["env", name, "generator"], '"secret" (the only generator Heroku has)', generator);
    env.push({
      name,
      ...(description === undefined ? {} : { description }),
      ...(value === undefined ? {} : { value }),
      required: required ?? true,
      ...(generator === undefined ? {} : { generator }),
    });
  }

  const formation = new Map<string, Formation>();
  for (const [name, entry] of Object.entries(objectAt(root, "formation", fail))) {
    if (!isPlainObject(entry))
      throw fail(
        ["formation", name],
        'an object like { "quantity": 1, "size": "standard-1x" }',
        entry,
      );
    const { quantity, size } = entry;
    if (quantity !== undefined && !(Number.isInteger(quantity) && (quantity as number) >= 0))
      throw fail(["formation", name, "quantity"], "a whole number from 0", quantity);
    if (size !== undefined && typeof size !== "string")
      throw fail(["formation", name, "size"], 'a dyno size like "standard-1x"', size);
    formation.set(name, {
      ...(quantity === undefined ? {} : { quantity: quantity as number }),
      ...(size === undefined ? {} : { size }),
    });
  }

  const addonsValue = root.addons ?? [];
  if (!Array.isArray(addonsValue)) throw fail(["addons"], "an array", addonsValue);
  const addons = addonsValue.map((entry: unknown, i): AddOn => {
    const spec = isPlainObject(entry) ? entry.plan : entry;
    if (typeof spec !== "string" || !/^[a-z0-9][a-z0-9-]*(:[A-Za-z0-9._-]+)?$/.test(spec))
      throw fail(
        isPlainObject(entry) ? ["addons", i, "plan"] : ["addons", i],
        'an add-on like "heroku-postgresql" or "heroku-redis:mini" (or an object with "plan")',
        spec,
      );
    const as = isPlainObject(entry) ? entry.as : undefined;
    if (as !== undefined && typeof as !== "string") throw fail(["addons", i, "as"], "a string", as);
    const [service = "", plan] = spec.split(":");
    return {
      service,
      ...(plan === undefined ? {} : { plan }),
      ...(as === undefined ? {} : { as }),
    };
  });

  const scripts = new Map<string, string>();
  for (const [name, command] of Object.entries(objectAt(root, "scripts", fail))) {
    if (typeof command !== "string") throw fail(["scripts", name], "a command string", command);
    scripts.set(name, command);
  }

  const buildpacksValue = root.buildpacks ?? [];
  if (!Array.isArray(buildpacksValue)) throw fail(["buildpacks"], "an array", buildpacksValue);
  const buildpacks = buildpacksValue.map((entry: unknown, i) => {
    const url = isPlainObject(entry) ? entry.url : undefined;
    if (typeof url !== "string")
      throw fail(["buildpacks", i], 'an object like { "url": "heroku/ruby" }', entry);
    return url;
  });

  return { env, formation, addons, scripts, buildpacks };
}

function objectAt(
  root: Record<string, unknown>,
  key: string,
  fail: (path: JsonPath, expected: string, got: unknown) => Error,
): Record<string, unknown> {
  const value = root[key];
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw fail([key], "an object", value);
  return value;
}
