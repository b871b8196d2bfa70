import assert from "node:assert/strict";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { CliDeps, main } from "../../cli/src/index";
import { capture } from "../../cli/src/run";

const ROOT = join(__dirname, "..", "..");
const RAILS = join(__dirname, "fixtures", "heroku", "rails");
const BROKEN = join(__dirname, "fixtures", "heroku", "broken");
const CONFIG = JSON.parse(readFileSync(join(RAILS, "heroku-config.json"), "utf8")) as Record<
  string,
  string
>;
/** Every secret value in the config dump; none may reach an argv or the printed output. */
const SECRET_VALUES = [
  "DATABASE_URL",
  "REDIS_URL",
  "PAPERTRAIL_API_TOKEN",
  "SECRET_KEY_BASE",
  "STRIPE_API_KEY",
  "SENTRY_DSN",
].map((name) => CONFIG[name] as string);

/**
 * A stand-in `pulumi` on PATH: each call writes its argv (one word per line) and its stdin to
 * files in $FAKE_PULUMI_LOG, and exits with $FAKE_PULUMI_EXIT (0 by default).
 */
const FAKE_PULUMI = `#!/usr/bin/env bash
set -euo pipefail
n=$(find "$FAKE_PULUMI_LOG" -name 'argv.*' | wc -l)
printf '%s\\n' "$@" >"$FAKE_PULUMI_LOG/argv.$n"
cat >"$FAKE_PULUMI_LOG/stdin.$n"
if [ "\${FAKE_PULUMI_EXIT:-0}" != 0 ]; then
  echo "error: no stack named 'staging' found" >&2
  exit "$FAKE_PULUMI_EXIT"
fi
`;

describe("cli: import-heroku", () => {
  let root: string;
  let log: string;
  let out: string[];
  let err: string[];
  let savedPath: string | undefined;

  const deps = (): CliDeps => ({
    resolveTarget: () => {
      throw new Error("import-heroku reaches no host");
    },
    capture,
    stream: () => Promise.reject(new Error("unused")),
    interactive: () => Promise.reject(new Error("unused")),
    pulumi: () => {
      throw new Error("unused");
    },
    root,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  const railsArgs = [
    "--procfile",
    join(RAILS, "Procfile"),
    "--app-json",
    join(RAILS, "app.json"),
    "--config",
    join(RAILS, "heroku-config.json"),
  ];
  const calls = () =>
    readdirSync(log)
      .filter((f) => f.startsWith("argv."))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
      .map((f) => ({
        argv: readFileSync(join(log, f), "utf8").trimEnd().split("\n"),
        stdin: readFileSync(join(log, f.replace("argv", "stdin")), "utf8"),
      }));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "berth-import-"));
    copyFileSync(join(ROOT, "Pulumi.staging.yaml"), join(root, "Pulumi.staging.yaml"));
    log = join(root, "pulumi-log");
    const bin = join(root, "bin");
    mkdirSync(log);
    mkdirSync(bin);
    writeFileSync(join(bin, "pulumi"), FAKE_PULUMI);
    chmodSync(join(bin, "pulumi"), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ""}`;
    process.env.FAKE_PULUMI_LOG = log;
    delete process.env.FAKE_PULUMI_EXIT;
    out = [];
    err = [];
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    delete process.env.FAKE_PULUMI_LOG;
    delete process.env.FAKE_PULUMI_EXIT;
    rmSync(root, { recursive: true, force: true });
  });

  it("prints the file and the secret commands, writes nothing and runs nothing by default", async () => {
    const before = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8");
    assert.equal(await main(["import-heroku", "-s", "staging", ...railsArgs], deps()), 0);
    const text = out.join("\n");
    assert.equal(readFileSync(join(root, "Pulumi.staging.yaml"), "utf8"), before);
    assert.deepEqual(calls(), []);
    assert.match(text, /Pulumi\.staging\.yaml as it would be written \(nothing written/);
    assert.match(text, /\n {2}berth:database: \{\}\n/);
    assert.match(
      text,
      /\njq -j \.STRIPE_API_KEY \S+heroku-config\.json \| pulumi config set --secret --stack staging --path berth:secretEnv\.STRIPE_API_KEY\n/,
    );
    assert.match(
      text,
      /\nopenssl rand -hex 32 \| pulumi config set --secret --stack staging --path berth:secretEnv\.LOCKBOX_MASTER_KEY\n/,
    );
    assert.match(text, /== cannot map \(8\): what to do instead/);
    for (const value of SECRET_VALUES) assert.ok(!text.includes(value), "no secret value printed");
  });

  it("--write updates Pulumi.<stack>.yaml and keeps its comments", async () => {
    assert.equal(
      await main(["import-heroku", "-s", "staging", ...railsArgs, "--write"], deps()),
      0,
    );
    const written = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8");
    assert.match(written, /^# staging: the cheapest sane layout\./);
    assert.match(written, /command: \[bin\/rails, db:migrate\]/);
    assert.match(out.join("\n"), /Pulumi\.staging\.yaml: written/);
    for (const value of SECRET_VALUES) assert.ok(!written.includes(value), "no secret in the file");
    assert.deepEqual(calls(), []);
  });

  it("--run-secrets feeds each value to pulumi on stdin, never in an argv", async () => {
    assert.equal(
      await main(["import-heroku", "-s", "staging", ...railsArgs, "--run-secrets"], deps()),
      0,
    );
    const seen = calls();
    assert.deepEqual(
      seen.map((c) => c.argv),
      [
        "PAPERTRAIL_API_TOKEN",
        "SECRET_KEY_BASE",
        "STRIPE_API_KEY",
        "SENTRY_DSN",
        "LOCKBOX_MASTER_KEY",
      ].map((name) => [
        "--cwd",
        root,
        "config",
        "set",
        "--secret",
        "--stack",
        "staging",
        "--path",
        `berth:secretEnv.${name}`,
      ]),
    );
    assert.deepEqual(
      seen.slice(0, 4).map((c) => c.stdin),
      [
        CONFIG.PAPERTRAIL_API_TOKEN,
        CONFIG.SECRET_KEY_BASE,
        CONFIG.STRIPE_API_KEY,
        CONFIG.SENTRY_DSN,
      ],
      "the exact value, no trailing newline",
    );
    assert.match(seen[4]?.stdin ?? "", /^[0-9a-f]{64}$/, "a generated secret: 64 hex digits");
    const everyArgv = seen.flatMap((c) => c.argv).join("\n");
    for (const value of [...SECRET_VALUES, seen[4]?.stdin ?? "-"])
      assert.ok(!everyArgv.includes(value), "no secret value in any argv");
    assert.match(out.join("\n"), /set berth:secretEnv\.LOCKBOX_MASTER_KEY \(secret, generated\)/);
    for (const value of SECRET_VALUES) assert.ok(!out.join("\n").includes(value));
  });

  it("--run-secrets without --write refuses while a secret's name is still plain in the file", async () => {
    const file = join(root, "Pulumi.staging.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "  berth:env:\n",
        "  berth:env:\n    STRIPE_API_KEY: pasted-by-hand\n",
      ),
    );
    assert.equal(
      await main(["import-heroku", "-s", "staging", ...railsArgs, "--run-secrets"], deps()),
      2,
    );
    assert.match(err.join("\n"), /has berth:env\.STRIPE_API_KEY in plain text.*add --write/);
    assert.deepEqual(calls(), []);
    assert.equal(
      await main(
        ["import-heroku", "-s", "staging", ...railsArgs, "--run-secrets", "--write"],
        deps(),
      ),
      0,
    );
    assert.ok(!readFileSync(file, "utf8").includes("pasted-by-hand"));
    assert.equal(calls().length, 5);
  });

  it("--run-secrets stops at pulumi's first failure with one line naming the key", async () => {
    process.env.FAKE_PULUMI_EXIT = "255";
    assert.equal(
      await main(["import-heroku", "-s", "staging", ...railsArgs, "--run-secrets"], deps()),
      1,
    );
    assert.equal(calls().length, 1);
    assert.equal(
      err.join("\n"),
      "berth: pulumi config set --secret berth:secretEnv.PAPERTRAIL_API_TOKEN --stack staging failed: error: no stack named 'staging' found",
    );
  });

  it("--run-secrets without a pulumi on PATH says how to get one", async () => {
    process.env.PATH = "/nonexistent";
    assert.equal(
      await main(["import-heroku", "-s", "staging", ...railsArgs, "--run-secrets"], deps()),
      1,
    );
    assert.match(
      err.join("\n"),
      /^berth: pulumi is not installed: setting secrets needs the Pulumi CLI/,
    );
  });

  it("refuses malformed input with one line naming the file and the line, writing nothing", async () => {
    const before = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8");
    const procfile = join(BROKEN, "Procfile-missing-colon");
    assert.equal(
      await main(["import-heroku", "-s", "staging", "--procfile", procfile, "--write"], deps()),
      2,
    );
    assert.deepEqual(err, [
      `berth: ${procfile}:2: expected "name: command" (a process type of letters, digits, - or _, a colon, then the command), got "worker node dist/worker.js"`,
    ]);
    assert.equal(readFileSync(join(root, "Pulumi.staging.yaml"), "utf8"), before);
  });

  it("refuses the local fleet, an unknown stack, a missing file and no input at all", async () => {
    assert.equal(await main(["import-heroku", "-s", "local", ...railsArgs], deps()), 2);
    assert.match(err.pop() ?? "", /"local" is the local fleet/);
    assert.equal(await main(["import-heroku", "-s", "prod", ...railsArgs], deps()), 2);
    assert.match(err.pop() ?? "", /unknown stack "prod": use one of local, staging/);
    assert.equal(
      await main(["import-heroku", "-s", "staging", "--procfile", join(root, "nope")], deps()),
      2,
    );
    assert.match(err.pop() ?? "", /nope: no such file/);
    const cwd = process.cwd();
    process.chdir(root);
    try {
      assert.equal(await main(["import-heroku", "-s", "staging"], deps()), 2);
    } finally {
      process.chdir(cwd);
    }
    assert.match(
      err.pop() ?? "",
      /^berth: nothing to import: give --procfile, --app-json or --config/,
    );
  });

  it("reads Procfile, app.json and heroku-config.json from the current directory by default", async () => {
    for (const file of ["Procfile", "app.json", "heroku-config.json"])
      copyFileSync(join(RAILS, file), join(root, file));
    const cwd = process.cwd();
    process.chdir(root);
    try {
      assert.equal(await main(["import-heroku", "-s", "staging"], deps()), 0);
    } finally {
      process.chdir(cwd);
    }
    assert.match(
      out.join("\n"),
      /\njq -j \.SECRET_KEY_BASE heroku-config\.json \| pulumi config set/,
    );
  });

  it("is in berth --help", async () => {
    assert.equal(await main(["--help"], deps()), 0);
    assert.match(out.join("\n"), /import-heroku \[options\]/);
    out = [];
    assert.equal(await main(["import-heroku", "--help"], deps()), 0);
    assert.match(out.join("\n"), /--run-secrets/);
  });
});
