import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CONFIG_MEANINGS } from "./config-meanings";

/**
 * Generates docs/config-reference.md from the stack config's zod schema
 * (infra/src/config.ts, export `stackConfigSchema`): one row per key, with whether it is required,
 * its default and the values it accepts (the schema's own error text, which says exactly that).
 *   npm run docs:config            rewrite the file
 *   npm run docs:config -- --check exit 1 when the file and the schema disagree
 */

export const REFERENCE_FILE = resolve(__dirname, "..", "..", "docs", "config-reference.md");

interface ZodDef {
  type: string;
  shape?: Record<string, ZodLike>;
  innerType?: ZodLike;
  element?: ZodLike;
  valueType?: ZodLike;
  entries?: Record<string, string>;
  defaultValue?: unknown;
  error?: (issue: object) => unknown;
}
interface ZodLike {
  _zod: { def: ZodDef };
  description?: string;
}

export interface ConfigRow {
  key: string;
  required: boolean;
  default: string;
  allowed: string;
  meaning: string;
}

function errorText(def: ZodDef): string | undefined {
  try {
    const text = def.error?.({});
    if (typeof text === "string") return text;
    if (text && typeof text === "object" && "message" in text)
      return String((text as { message: unknown }).message);
  } catch {
    // a custom error function that needs a real issue: no text to show
  }
  return undefined;
}

function defaultOf(def: ZodDef): unknown {
  const value = def.defaultValue;
  return typeof value === "function" ? (value as () => unknown)() : value;
}

function allowedOf(schema: ZodLike): string {
  const def = schema._zod.def;
  if (def.type === "enum" && def.entries)
    return `one of ${Object.keys(def.entries)
      .map((v) => `\`${v}\``)
      .join(", ")}`;
  if (def.type === "array" && def.element) {
    const own = errorText(def) ?? "a list";
    const each = errorText(def.element._zod.def);
    return each && !own.includes(each) ? `${own}; each ${each.replace(/^must be /, "")}` : own;
  }
  if (def.type === "record" && def.valueType) {
    const own = errorText(def) ?? "a map";
    const value = errorText(def.valueType._zod.def);
    return value ? `${own}; each value ${value.replace(/^must be /, "")}` : own;
  }
  return errorText(def) ?? def.type;
}

/** Unwraps default/optional/nullable; returns the core schema and what the wrappers said. */
function unwrap(schema: ZodLike): {
  core: ZodLike;
  required: boolean;
  fallback: unknown;
  nullable: boolean;
} {
  let core = schema;
  let required = true;
  let fallback: unknown = undefined;
  let nullable = false;
  for (;;) {
    const def = core._zod.def;
    if (def.type === "default") {
      required = false;
      fallback = defaultOf(def);
    } else if (def.type === "optional") required = false;
    else if (def.type === "nullable") nullable = true;
    else return { core, required, fallback, nullable };
    core = def.innerType as ZodLike;
  }
}

function formatDefault(value: unknown, required: boolean): string {
  if (value === undefined) return required ? "" : "(none)";
  return `\`${JSON.stringify(value)}\``;
}

/** One row per leaf key; maps with a fixed set of keys are expanded, free-form maps stay one row. */
export function configReferenceRows(
  schema: ZodLike,
  meanings: Record<string, string> = CONFIG_MEANINGS,
): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const visit = (key: string, field: ZodLike, parentRequired: boolean, parentDefault: unknown) => {
    const { core, required, fallback, nullable } = unwrap(field);
    const def = core._zod.def;
    const inherited =
      parentDefault && typeof parentDefault === "object"
        ? (parentDefault as Record<string, unknown>)[key.split(".").pop() as string]
        : undefined;
    const effectiveDefault = fallback !== undefined ? fallback : inherited;
    if (def.type === "object" && def.shape) {
      for (const [child, childSchema] of Object.entries(def.shape))
        visit(`${key}.${child}`, childSchema, parentRequired && required, effectiveDefault);
      return;
    }
    const meaning = field.description ?? core.description ?? meanings[key];
    if (meaning === undefined)
      throw new Error(
        `config key ${key} has no meaning: add it to infra/tools/config-meanings.ts (or .describe() it in the schema)`,
      );
    rows.push({
      key,
      required: parentRequired && required,
      default: formatDefault(effectiveDefault, parentRequired && required),
      allowed: allowedOf(core) + (nullable ? ", or null" : ""),
      meaning,
    });
  };
  const root = schema._zod.def;
  if (root.type !== "object" || !root.shape)
    throw new Error("the stack config schema must be an object");
  for (const [key, field] of Object.entries(root.shape)) visit(key, field, true, undefined);
  const stale = Object.keys(meanings).filter((k) => !rows.some((r) => r.key === k));
  if (stale.length > 0)
    throw new Error(
      `infra/tools/config-meanings.ts describes keys the schema no longer has: ${stale.join(", ")}`,
    );
  return rows;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderConfigReference(rows: ConfigRow[]): string {
  return [
    "# Stack config reference",
    "",
    "<!-- Generated by `npm run docs:config` from the zod schema in infra/src/config.ts; do not edit by hand.",
    "     tests/unit/docs-config-reference.test.ts fails when this file and the schema drift apart. -->",
    "",
    "Every key of `Pulumi.<stack>.yaml`. Set a nested key with `--path`, e.g.",
    "`pulumi config set --path 'berth:hosts.count' 2 -s prod`; a secret with `--secret`.",
    "Every bad value stops `pulumi up` before anything changes, with one line naming the key, the value",
    "and what is allowed.",
    "",
    "| Key | Required | Default | Allowed values | What it does |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| \`${r.key}\` | ${r.required ? "yes" : "no"} | ${cell(r.default)} | ${cell(r.allowed)} | ${cell(r.meaning)} |`,
    ),
    "",
  ].join("\n");
}

/** The schema, from infra/src/config.ts's `stackConfigSchema` export. */
export function loadStackConfigSchema(
  modulePath = join("..", "..", "infra", "src", "config"),
): ZodLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(modulePath) as Record<string, unknown>;
  const schema = config.stackConfigSchema as ZodLike | undefined;
  if (!schema?._zod)
    throw new Error(
      "infra/src/config.ts does not export the stack config schema: add `export const stackConfigSchema = rawSchema;` (the generator reads its keys, defaults and messages)",
    );
  return schema;
}

export function generateConfigReference(modulePath?: string): string {
  return renderConfigReference(configReferenceRows(loadStackConfigSchema(modulePath)));
}

function cli(): number {
  let text: string;
  try {
    text = generateConfigReference();
  } catch (error) {
    process.stderr.write(`docs:config: ${(error as Error).message}\n`);
    return 1;
  }
  if (process.argv.includes("--check")) {
    if (readFileSync(REFERENCE_FILE, "utf8") !== text) {
      process.stderr.write("docs/config-reference.md is out of date: run npm run docs:config\n");
      return 1;
    }
    process.stdout.write("docs/config-reference.md matches the schema\n");
    return 0;
  }
  writeFileSync(REFERENCE_FILE, text);
  process.stdout.write(`wrote ${REFERENCE_FILE}\n`);
  return 0;
}

if (require.main === module) process.exit(cli());
