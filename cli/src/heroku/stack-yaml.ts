import { Document, isMap, parseDocument } from "yaml";
import { specFields, wholeNumber } from "../../../infra/src/agent/specSchema";
import { CliError } from "../pulumi";
import { ImportPlan } from "./mapping";

export interface StackYamlUpdate {
  /** The whole file after the import, comments and key order kept. */
  text: string;
  /** One line per key set or removed. */
  changes: string[];
  /** Values berth's config would refuse, one line each; empty when the file loads. */
  problems: string[];
}

const ENV = ["config", "berth:env"];
const SECRET_ENV = ["config", "berth:secretEnv"];

/**
 * Writes an import plan into a stack's config file (`Pulumi.<stack>.yaml`): the web, worker and
 * release commands, the hosts, plain env, and `berth:database: {}`. Secrets are not written here
 * (`pulumi config set --secret` encrypts them into the same file), but a secret's name is removed
 * from `berth:env`, and a plain name from `berth:secretEnv`, since a name may be in only one.
 * Every other key, comment and the key order stay as they were.
 */
export function applyImportToStackYaml(configText: string, plan: ImportPlan): StackYamlUpdate {
  const doc = parseDocument(configText);
  if (doc.errors.length > 0)
    throw new CliError(`the stack config file is not valid YAML: ${doc.errors[0]?.message}`);
  const config = doc.get("config");
  if (config !== undefined && !isMap(config))
    throw new CliError("the stack config file's config: must be a map; fix it by hand first");
  const changes: string[] = [];
  const { settings } = plan;
  const set = (path: string[], value: unknown, flow = false) => {
    const before = doc.getIn(path);
    const node = doc.createNode(value, { flow });
    if (JSON.stringify(toJs(before)) === JSON.stringify(value)) return;
    ensureMaps(doc, path.slice(0, -1));
    doc.setIn(path, node);
    changes.push(`set ${path.slice(1).join(".")} = ${JSON.stringify(value)}`);
  };
  const remove = (path: string[], why: string) => {
    if (!doc.hasIn(path)) return;
    doc.deleteIn(path);
    changes.push(`removed ${path.slice(1).join(".")} (${why})`);
  };

  if (settings.webCommand) set(["config", "berth:web", "command"], settings.webCommand, true);
  if (settings.releaseCommand)
    set(["config", "berth:release", "command"], settings.releaseCommand, true);
  else if (settings.releaseCommand === null)
    remove(["config", "berth:release", "command"], "the Procfile has no release process");
  if (settings.worker?.command)
    set(["config", "berth:worker", "command"], settings.worker.command, true);
  if (settings.worker) set(["config", "berth:worker", "count"], settings.worker.count);
  if (settings.hosts?.count !== undefined)
    set(["config", "berth:hosts", "count"], settings.hosts.count);
  if (settings.hosts?.instanceType !== undefined)
    set(["config", "berth:hosts", "instanceType"], settings.hosts.instanceType);
  for (const [name, value] of Object.entries(settings.env)) {
    set([...ENV, name], value);
    remove([...SECRET_ENV, name], "now plain in berth:env");
  }
  for (const secret of plan.secrets)
    remove([...ENV, secret.name], "now a secret in berth:secretEnv");
  if (settings.database) {
    if (!doc.hasIn(["config", "berth:database"])) set(["config", "berth:database"], {}, true);
    for (const path of [ENV, SECRET_ENV])
      remove([...path, "DATABASE_URL"], "berth:database sets DATABASE_URL itself");
  }

  // No folding of long lines (an SSH public key stays on one line), and flow lists written the
  // way the stack files already write them: [node, dist/worker.js].
  const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return { text, changes, problems: problemsOf(doc) };
}

/** The part of a zod schema the check uses (zod itself is the infra package's dependency). */
interface Schema {
  safeParse(value: unknown): {
    error?: {
      issues: readonly {
        code: string;
        path: readonly PropertyKey[];
        message: string;
        issues?: readonly { message: string }[];
      }[];
    };
  };
}

/** What berth's stack config would refuse among the keys the import writes. */
function problemsOf(doc: Document): string[] {
  const problems: string[] = [];
  const check = (key: string, schema: Schema, value: unknown) => {
    if (value === undefined) return;
    const result = schema.safeParse(value);
    const issue = result.error?.issues[0];
    if (!issue) return;
    problems.push(
      issue.code === "invalid_key"
        ? `${key} has a bad name ${JSON.stringify(issue.path[0])}: it ${issue.issues?.[0]?.message ?? "is not allowed"}`
        : `${key}${issue.path.length ? `.${issue.path.map(String).join(".")}` : ""} ${issue.message}`,
    );
  };
  const js = (path: string[]) => toJs(doc.getIn(["config", ...path]));
  check("berth:web.command", specFields.commandArgv.nullable(), js(["berth:web", "command"]));
  check("berth:worker.command", specFields.commandArgv, js(["berth:worker", "command"]));
  check("berth:worker.count", specFields.workerCount, js(["berth:worker", "count"]));
  check(
    "berth:release.command",
    specFields.commandArgv.nullable(),
    js(["berth:release", "command"]),
  );
  check("berth:hosts.count", wholeNumber(1, 50), js(["berth:hosts", "count"]));
  check("berth:env", specFields.env, js(["berth:env"]));
  const count = js(["berth:hosts", "count"]);
  const batchSize = js(["berth:release", "batchSize"]);
  if (typeof count === "number" && typeof batchSize === "number" && batchSize > count)
    problems.push(
      `berth:release.batchSize ${batchSize} is more than berth:hosts.count ${count}: lower it with pulumi config set --path 'berth:release.batchSize' ${count}`,
    );
  return problems;
}

function toJs(node: unknown): unknown {
  return node && typeof node === "object" && "toJSON" in node
    ? (node as { toJSON(): unknown }).toJSON()
    : node;
}

/** Creates the maps along `path` that do not exist yet, so setIn does not fail on a null. */
function ensureMaps(doc: Document, path: string[]): void {
  for (let i = 1; i <= path.length; i += 1) {
    const prefix = path.slice(0, i);
    const current = doc.getIn(prefix);
    if (current === undefined || current === null) doc.setIn(prefix, doc.createNode({}));
  }
}
