import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { parse } from "yaml";
import { parseAppJson } from "../heroku/app-json";
import { parseHerokuConfig } from "../heroku/config-vars";
import { HerokuInputs, mapHerokuApp } from "../heroku/mapping";
import { parseProcfile } from "../heroku/procfile";
import { renderImportReport } from "../heroku/report";
import { runSecretCommands } from "../heroku/secret-commands";
import { applyImportToStackYaml } from "../heroku/stack-yaml";
import { CliError } from "../pulumi";
import { LOCAL_STACK, assertKnownStack } from "../targets";
import { CommandContext } from "./context";

interface ImportOptions {
  stack: string;
  procfile?: string;
  appJson?: string;
  config?: string;
  write?: boolean;
  runSecrets?: boolean;
}

const DEFAULTS = { procfile: "Procfile", appJson: "app.json", config: "heroku-config.json" };

export function registerImportHeroku(
  program: Command,
  { deps, stackOption }: CommandContext,
): void {
  program
    .command("import-heroku")
    .description(
      "map a Heroku app (Procfile, app.json, heroku config --json) onto a stack's config; prints what it would write unless --write",
    )
    .addOption(stackOption())
    .option("--procfile <file>", `the app's Procfile (default: ./${DEFAULTS.procfile} if present)`)
    .option("--app-json <file>", `the app's app.json (default: ./${DEFAULTS.appJson} if present)`)
    .option(
      "--config <file>",
      `heroku config --json -a APP > FILE (default: ./${DEFAULTS.config} if present)`,
    )
    .option("--write", "write Pulumi.<stack>.yaml (comments and key order kept)")
    .option("--run-secrets", "run pulumi config set --secret for each secret, the value on stdin")
    .action(async (opts: ImportOptions) => {
      assertKnownStack(opts.stack, deps.root);
      if (opts.stack === LOCAL_STACK)
        throw new CliError(
          `import-heroku writes an AWS stack's config (a Pulumi.<stack>.yaml); "${LOCAL_STACK}" is the local fleet`,
          2,
        );
      const inputs = readInputs(opts);
      const file = join(deps.root, `Pulumi.${opts.stack}.yaml`);
      const current = readFileSync(file, "utf8");
      const plan = mapHerokuApp(inputs, currentHostsCount(current));
      const update = applyImportToStackYaml(current, plan);
      const clashes = update.changes.filter((c) => c.endsWith("(now a secret in berth:secretEnv)"));
      if (opts.runSecrets && !opts.write && clashes.length > 0)
        throw new CliError(
          `Pulumi.${opts.stack}.yaml has ${clashes.map((c) => c.split(" ")[1]).join(", ")} in plain text, and a name may be in only one of berth:env and berth:secretEnv: add --write to move them, or remove them first; nothing was set`,
          2,
        );
      if (opts.write && update.problems.length > 0)
        throw new CliError(
          `not writing Pulumi.${opts.stack}.yaml: berth's config would refuse it:\n${update.problems.join("\n")}`,
        );
      renderImportReport(opts.stack, plan, update, { write: Boolean(opts.write) }).forEach((l) =>
        deps.out(l),
      );
      if (opts.write) writeFileSync(file, update.text);
      if (opts.runSecrets && plan.secrets.length > 0) {
        deps.out("");
        await runSecretCommands(opts.stack, plan.secrets, {
          cwd: deps.root,
          capture: deps.capture,
          out: deps.out,
        });
      }
    });
}

/** Reads the files given, or the default ones that exist; at least one must be there. */
function readInputs(opts: ImportOptions): HerokuInputs {
  const pick = (given: string | undefined, fallback: string) => {
    if (given !== undefined) {
      if (!existsSync(given)) throw new CliError(`${given}: no such file`, 2);
      return given;
    }
    return existsSync(resolve(fallback)) ? fallback : undefined;
  };
  const files = {
    procfile: pick(opts.procfile, DEFAULTS.procfile),
    appJson: pick(opts.appJson, DEFAULTS.appJson),
    config: pick(opts.config, DEFAULTS.config),
  };
  if (!files.procfile && !files.appJson && !files.config)
    throw new CliError(
      `nothing to import: give --procfile, --app-json or --config (heroku config --json -a APP > ${DEFAULTS.config}), or run from the app's directory`,
      2,
    );
  const text = (path: string) => readFileSync(path, "utf8");
  return {
    processes: files.procfile ? parseProcfile(text(files.procfile), files.procfile) : undefined,
    appJson: files.appJson ? parseAppJson(text(files.appJson), files.appJson) : undefined,
    config: files.config ? parseHerokuConfig(text(files.config), files.config) : undefined,
    files,
  };
}

function currentHostsCount(configText: string): number {
  const doc = parse(configText) as { config?: { "berth:hosts"?: { count?: unknown } } } | null;
  const count = doc?.config?.["berth:hosts"]?.count;
  return typeof count === "number" && count >= 1 ? count : 1;
}
