import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AGENT_EXIT, ReleaseSpec } from "../../infra/src/agent/contract";
import { renderDeployCommand } from "../../infra/src/agent/invocation";
import { RELEASE_GUARD_DEFAULTS } from "../../infra/src/agent/specSchema";

const AGENT = path.resolve(__dirname, "../../infra/host/berth-agent");
const REAL_ID = spawnSync("sh", ["-c", "command -v id"], { encoding: "utf8" }).stdout.trim();
/** A uid that is not root: the caller the agent sees unless a test says otherwise. */
const NORMAL_USER = 1000;
const DIGEST_IMAGE = `r.example/app@sha256:${"c".repeat(64)}`;

interface AgentRun {
  code: number | null;
  stderr: string;
  /** The last stdout line, parsed: the summary (or, for a successful `status`, the status). */
  summary: { outcome: string; exitCode: number; reason: string } & Record<string, unknown>;
  /** Every `docker` command line the agent ran. */
  dockerCalls: string[];
  /** Whether the agent created its state directory for the app/stack. */
  stateCreated: boolean;
  /** The lines of every receipts.jsonl the run wrote. */
  receipts: string[];
  /** Every stdout line that is a JSON document (a run prints exactly one summary). */
  jsonLines: string[];
  /** The agent's unredacted output files (<state>/<app>-<stack>/logs/*.log), with their modes. */
  fullLogs: { file: string; mode: number; text: string }[];
  stdout: string;
}

/**
 * Runs the agent locally in a sandbox, as whichever caller the test names, whoever runs the tests
 * (root on the dev machine, a normal user in CI's checks job): first on PATH are an `id` whose
 * `id -u` prints `uid` (other `id` calls go to the real one) and a `docker` that only records its
 * calls and answers like an engine with no containers. The state directory is inside the sandbox.
 */
function agent(
  args: string[],
  options: { input?: string; uid?: number; docker?: string; env?: Record<string, string> } = {},
): AgentRun {
  const sandbox = mkdtempSync(path.join(tmpdir(), "berth-agent-unit-"));
  try {
    const bin = path.join(sandbox, "bin");
    const calls = path.join(sandbox, "docker-calls");
    const stateRoot = path.join(sandbox, "state");
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, "id"),
      `#!/bin/sh\nif [ "$*" = -u ]; then echo ${options.uid ?? NORMAL_USER}; exit 0; fi\nexec ${REAL_ID} "$@"\n`,
      { mode: 0o755 },
    );
    writeFileSync(
      path.join(bin, "docker"),
      `#!/bin/sh\nprintf '%s\\n' "$*" >>${calls}\n${options.docker ?? ""}\n`,
      { mode: 0o755 },
    );
    const r = spawnSync("bash", [AGENT, ...args], {
      input: options.input ?? "",
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        BERTH_STATE_DIR: stateRoot,
        ...options.env,
      },
    });
    const last = r.stdout.trim().split("\n").pop() ?? "";
    return {
      code: r.status,
      stderr: r.stderr,
      summary: JSON.parse(last) as AgentRun["summary"],
      dockerCalls: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [],
      stateCreated: existsSync(stateRoot),
      receipts: existsSync(stateRoot)
        ? readdirSync(stateRoot).flatMap((dir) => {
            const file = path.join(stateRoot, dir, "receipts.jsonl");
            return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
          })
        : [],
      jsonLines: r.stdout.split("\n").filter((line) => line.startsWith("{")),
      fullLogs: existsSync(stateRoot)
        ? readdirSync(stateRoot).flatMap((dir) => {
            const logs = path.join(stateRoot, dir, "logs");
            return existsSync(logs)
              ? readdirSync(logs).map((name) => ({
                  file: path.join(logs, name),
                  mode: statSync(path.join(logs, name)).mode & 0o777,
                  text: readFileSync(path.join(logs, name), "utf8"),
                }))
              : [];
          })
        : [],
      stdout: r.stdout,
    };
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}

/** A whole release spec the agent accepts (deploy --app web --stack prod --image DIGEST_IMAGE). */
const fullSpec = (overrides: Record<string, unknown> = {}) => ({
  app: "web",
  stack: "prod",
  image: DIGEST_IMAGE,
  proxyImage: `r.example/nginx@sha256:${"d".repeat(64)}`,
  web: { command: null, port: 3000, healthPath: "/healthz" },
  worker: null,
  releaseCommand: null,
  env: {},
  timeouts: { healthSeconds: 5, drainSeconds: 0, stopSeconds: 1 },
  keepReleases: 3,
  guard: RELEASE_GUARD_DEFAULTS,
  ...overrides,
});

/** `deploy` with every flag valid (app web, stack prod, DIGEST_IMAGE, a config hash). */
const DEPLOY_ARGV = [
  "deploy",
  "--app",
  "web",
  "--stack",
  "prod",
  "--image",
  DIGEST_IMAGE,
  "--config-hash",
  "ab".repeat(32),
];

/** Stdin that passes the agent's checks for `deploy --app web --stack prod --image DIGEST_IMAGE`. */
const VALID_DEPLOY_INPUT = `${JSON.stringify({
  spec: { app: "web", stack: "prod", image: DIGEST_IMAGE, env: {} },
  registry: {},
})}\n`;

describe("berth-agent's command line (the contract's exit codes and summary)", () => {
  it("rejects an unknown action with the usage exit code and a JSON summary", () => {
    const r = agent(["launch", "--app", "a", "--stack", "s"]);
    assert.equal(r.code, AGENT_EXIT.usage);
    assert.equal(r.summary.exitCode, AGENT_EXIT.usage);
    assert.equal(r.summary.outcome, "failed");
    assert.match(r.summary.reason, /unknown action 'launch'/);
  });

  it("rejects an image by tag: releases are by digest only", () => {
    const r = agent([
      "deploy",
      "--app",
      "web",
      "--stack",
      "prod",
      "--image",
      "repo/app:latest",
      "--config-hash",
      "ab".repeat(32),
    ]);
    assert.equal(r.code, AGENT_EXIT.usage);
    assert.match(r.summary.reason, /--image 'repo\/app:latest' must be an image by digest/);
  });

  it("rejects unknown flags and missing values", () => {
    assert.match(
      agent(["status", "--app", "a", "--stack", "s", "--verbose", "1"]).summary.reason,
      /unknown argument '--verbose'/,
    );
    assert.match(agent(["status", "--app"]).summary.reason, /--app needs a value/);
    assert.match(
      agent(["status", "--app", "Bad", "--stack", "s"]).summary.reason,
      /--app 'Bad' must be .*lowercase/,
    );
  });

  it("accepts exactly the flags renderDeployCommand produces", () => {
    const command = renderDeployCommand(
      fullSpec({
        timeouts: { healthSeconds: 30, drainSeconds: 5, stopSeconds: 10 },
      }) as ReleaseSpec,
      "ab".repeat(32),
    );
    // drop `sudo -n /usr/local/bin/berth-agent`; add the per-host flag the rollout may add
    const argv = [...command.split(" ").slice(3), "--skip-release-command"];
    // Stdin that is not the contract's JSON: the flags passed, so the agent fails on stdin instead
    // (before its root check: the caller here is not root).
    const r = agent(argv, { input: "not json\n" });
    assert.equal(r.code, AGENT_EXIT.usage);
    assert.match(r.summary.reason, /stdin must be one JSON line/);
    assert.deepEqual(r.dockerCalls, []);
  });

  describe("the root check (after the arguments and stdin, before docker or disk)", () => {
    const cases: [string, string[], string][] = [
      ["deploy, with valid flags and stdin", DEPLOY_ARGV, VALID_DEPLOY_INPUT],
      ["rollback", ["rollback", "--app", "web", "--stack", "prod"], ""],
      ["status", ["status", "--app", "web", "--stack", "prod"], ""],
    ];
    for (const [what, args, input] of cases) {
      it(`refuses a caller that is not root: ${what}`, () => {
        const r = agent(args, { input, uid: NORMAL_USER });
        assert.equal(r.code, AGENT_EXIT.usage, r.stderr);
        assert.equal(r.summary.outcome, "failed");
        assert.equal(r.summary.reason, "berth-agent must run as root (sudo -n berth-agent ...)");
        assert.deepEqual(r.dockerCalls, [], "refused before running docker");
        assert.equal(r.stateCreated, false, "refused before creating its state directory");
      });
    }

    it("lets root through: status as uid 0 goes on to ask docker", () => {
      const r = agent(["status", "--app", "web", "--stack", "prod"], { uid: 0 });
      assert.equal(r.code, AGENT_EXIT.ok, r.stderr);
      assert.equal(r.summary.app, "web");
      assert.equal(r.summary.stack, "prod");
      assert.deepEqual(r.summary.containers, []);
      assert.ok(
        r.dockerCalls.some((call) => call.startsWith("ps ")),
        `docker ps was not run: ${r.dockerCalls.join(" | ")}`,
      );
    });
  });
  describe("a deploy as root against a docker that answers nothing (the agent's own guards)", () => {
    const input = (spec: Record<string, unknown>) =>
      `${JSON.stringify({ spec, registry: { server: "r.example", method: "helper" } })}\n`;

    it("a failure inside a command substitution fails the deploy once: one summary, one receipt", () => {
      // `docker inspect` fails: the health wait's $(container_field ...) fails in its subshell,
      // where `set -E` also runs the ERR trap.
      const r = agent(DEPLOY_ARGV, {
        uid: 0,
        input: input(fullSpec()),
        docker: 'case "$1" in inspect) exit 1 ;; esac',
      });
      assert.equal(r.code, AGENT_EXIT.failed, r.stderr);
      assert.equal(r.jsonLines.length, 1, `summaries printed: ${r.jsonLines.join(" | ")}`);
      assert.equal(r.receipts.length, 1, `receipts written: ${r.receipts.join(" | ")}`);
      assert.match(r.summary.reason, /unexpected error/);
    });

    it("logs in and pulls with a docker config of its own, removed afterwards, keeping the host's helpers", () => {
      const sandbox = mkdtempSync(path.join(tmpdir(), "berth-agent-host-docker-"));
      try {
        const hostConfig = JSON.stringify({
          credHelpers: { "r.example": "ecr-login" },
          auths: { "other.example": { auth: "c2VjcmV0" } },
        });
        writeFileSync(path.join(sandbox, "config.json"), hostConfig);
        const seen = path.join(sandbox, "seen");
        const r = agent(DEPLOY_ARGV, {
          uid: 0,
          env: { DOCKER_CONFIG: sandbox },
          input: `${JSON.stringify({
            spec: fullSpec(),
            registry: { server: "r.example", method: "password", username: "u", password: "p4ss" },
          })}\n`,
          // Each call notes the config it used; the pull fails after a successful login.
          docker: `printf '%s %s %s\\n' "$1" "$DOCKER_CONFIG" "$(cat "$DOCKER_CONFIG/config.json" | tr -d ' \\n')" >>${seen}
case "$1" in login) cat >/dev/null ;; pull) echo "manifest unknown" >&2; exit 1 ;; esac`,
        });
        assert.equal(r.code, AGENT_EXIT.registry, r.stderr);
        const calls = readFileSync(seen, "utf8").trim().split("\n");
        const login = calls.find((c) => c.startsWith("login "));
        const pull = calls.find((c) => c.startsWith("pull "));
        assert.ok(login && pull, calls.join(" | "));
        const [, loginConfig, loginContent] = login.split(" ");
        assert.match(loginConfig!, /^\/tmp\/berth-docker-config\./, "login used the host's config");
        assert.equal(pull.split(" ")[1], loginConfig, "pull and login used different configs");
        assert.equal(loginContent, '{"credHelpers":{"r.example":"ecr-login"}}');
        assert.equal(existsSync(loginConfig!), false, "the deploy's docker config outlived it");
        assert.equal(readFileSync(path.join(sandbox, "config.json"), "utf8"), hostConfig);
      } finally {
        rmSync(sandbox, { recursive: true, force: true });
      }
    });

    it("redacts every env value from what it prints (plain, JSON-escaped, percent-encoded, cut short) and keeps the full output root-only", () => {
      const secret = `p4ss/"w0rd" & k=v (it's) ünï-${Date.now()}`;
      const forms = {
        plain: secret,
        json: JSON.stringify(secret).slice(1, -1),
        encodeURIComponent: encodeURIComponent(secret),
        cutShort: secret.slice(0, 10),
      };
      const formsFile = path.join(mkdtempSync(path.join(tmpdir(), "berth-forms-")), "forms");
      writeFileSync(
        formsFile,
        Object.entries(forms)
          .map(([form, text]) => `migration failed, ${form}: ${text}`)
          .join("\n") + "\n",
      );
      try {
        const r = agent(DEPLOY_ARGV, {
          uid: 0,
          input: input(
            fullSpec({ releaseCommand: ["migrate"], env: { DB_PASSWORD: secret, MODE: "on" } }),
          ),
          // The release command (the one `docker run --rm`) prints the secret in every form.
          docker: `case "$*" in run*--rm*) cat ${formsFile}; exit 1 ;; esac`,
        });
        assert.equal(r.code, AGENT_EXIT.releaseCommand, r.stderr);
        const printed = r.stdout + r.stderr;
        for (const [form, text] of Object.entries(forms))
          assert.ok(!printed.includes(text), `the ${form} form was printed: ${text}`);
        assert.match(printed, /migration failed, plain: \[redacted\]/);
        assert.match(printed, /migration failed, encodeURIComponent: \[redacted\]/);
        assert.equal(r.fullLogs.length, 1);
        const [full] = r.fullLogs;
        assert.equal(full!.mode, 0o600);
        assert.ok(full!.text.includes(`migration failed, plain: ${secret}`), full!.text);
        assert.ok(
          r.summary.reason.includes(`full output, unredacted: `) &&
            r.summary.reason.includes("root only"),
          r.summary.reason,
        );
      } finally {
        rmSync(path.dirname(formsFile), { recursive: true, force: true });
      }
    });

    describe("the log driver comes from the spec", () => {
      /** The docker run line of the release command (a one-off `run --rm`, made to fail here). */
      const releaseRun = (logging?: Record<string, unknown>) => {
        const r = agent(DEPLOY_ARGV, {
          uid: 0,
          input: input(fullSpec({ releaseCommand: ["migrate"], ...(logging ? { logging } : {}) })),
          docker: `case "$*" in run*--rm*) exit 1 ;; esac`,
        });
        assert.equal(r.code, AGENT_EXIT.releaseCommand, r.stderr);
        const run = r.dockerCalls.find((call) => call.startsWith("run --rm"));
        assert.ok(run, r.dockerCalls.join(" | "));
        return run;
      };
      const AWSLOGS = {
        driver: "awslogs",
        region: "eu-west-1",
        groups: {
          web: "/berth/web/prod/web",
          worker: "/berth/web/prod/worker",
          release: "/berth/web/prod/release",
        },
      };

      it("awslogs (AWS hosts): the process type's group, the region, a stream per host and container, never blocking the app", () => {
        const run = releaseRun(AWSLOGS);
        const host = spawnSync("hostname", ["-s"], { encoding: "utf8" }).stdout.trim();
        const name = /--name (\S+)/.exec(run)?.[1] ?? "";
        assert.match(name, /^web-prod-release-/);
        assert.ok(
          run.includes(
            `--log-driver awslogs --log-opt awslogs-region=eu-west-1 --log-opt awslogs-group=/berth/web/prod/release --log-opt awslogs-stream=${host}/${name} --log-opt mode=non-blocking --log-opt max-buffer-size=4m `,
          ),
          run,
        );
        assert.ok(
          run.indexOf("--log-driver") < run.indexOf(DIGEST_IMAGE),
          "flags before the image",
        );
      });

      it("json-file (the local fleet's choice): only the driver", () => {
        const run = releaseRun({ driver: "json-file" });
        assert.ok(run.includes("--log-driver json-file "), run);
        assert.ok(!run.includes("--log-opt"), run);
      });

      it("no logging in the spec: no flag, the daemon's default driver", () => {
        assert.ok(!releaseRun().includes("--log-"));
      });

      const badLogging: [string, Record<string, unknown>, RegExp][] = [
        [
          "an unknown driver",
          { driver: "syslog" },
          /spec logging\.driver must be json-file or awslogs \(got 'syslog'\)/,
        ],
        [
          "a log group with a space",
          { ...AWSLOGS, groups: { ...AWSLOGS.groups, web: "/berth/web prod" } },
          /spec logging\.groups\.web must be a log group name/,
        ],
        [
          "a region that is not one",
          { ...AWSLOGS, region: "eu-west-1; reboot" },
          /spec logging\.region must be an AWS region/,
        ],
      ];
      for (const [what, logging, message] of badLogging) {
        it(`refuses ${what} before docker runs anything`, () => {
          const r = agent(DEPLOY_ARGV, { uid: 0, input: input(fullSpec({ logging })) });
          assert.equal(r.code, AGENT_EXIT.usage, r.stderr);
          assert.match(r.summary.reason, message);
          assert.ok(!r.dockerCalls.some((call) => /^(run|pull|login) /.test(call)));
        });
      }
    });

    const badValues: [string, Record<string, unknown>, RegExp][] = [
      [
        "a port that is not a number",
        { web: { command: null, port: "3000; reboot", healthPath: "/healthz" } },
        /spec web\.port must be a whole number from 1024 to 65535 \(got '"3000; reboot"'\)/,
      ],
      [
        "a health timeout with an arithmetic expression",
        { timeouts: { healthSeconds: "a[$(id)]", drainSeconds: 0, stopSeconds: 1 } },
        /spec timeouts\.healthSeconds must be a whole number from 5 to 600/,
      ],
      [
        "a drain time with a leading zero (octal in bash arithmetic)",
        { timeouts: { healthSeconds: 5, drainSeconds: "08", stopSeconds: 1 } },
        /spec timeouts\.drainSeconds must be a whole number/,
      ],
      [
        "a health path with a line break (an HTTP request line and nginx config)",
        { web: { command: null, port: 3000, healthPath: "/h\r\nX: y" } },
        /spec web\.healthPath must be a path/,
      ],
      [
        "a bake longer than the agent allows",
        { guard: { ...RELEASE_GUARD_DEFAULTS, bakeSeconds: 601 } },
        /spec guard\.bakeSeconds must be a whole number from 0 to 600/,
      ],
      [
        "an error rate above 1",
        { guard: { ...RELEASE_GUARD_DEFAULTS, maxErrorRate: 5 } },
        /spec guard\.maxErrorRate/,
      ],
      [
        "a smoke status that is not a status",
        { guard: { ...RELEASE_GUARD_DEFAULTS, smokeStatuses: ["ok"] } },
        /spec guard\.smokeStatuses must be a list of statuses/,
      ],
      [
        "a list where a number belongs",
        { keepReleases: [3] },
        /spec keepReleases must be a whole number from 1 to 20 \(got '\[3\]'\)/,
      ],
    ];
    for (const [what, overrides, message] of badValues) {
      it(`refuses ${what} before docker runs anything`, () => {
        const r = agent(DEPLOY_ARGV, { uid: 0, input: input(fullSpec(overrides)) });
        assert.equal(r.code, AGENT_EXIT.usage, r.stderr);
        assert.match(r.summary.reason, message);
        assert.ok(
          !r.dockerCalls.some((call) => /^(run|pull|login) /.test(call)),
          `docker ran: ${r.dockerCalls.join(" | ")}`,
        );
      });
    }
  });
  // Shellcheck covers the agent with every other shell script: tests/unit/shell-scripts.test.ts.
});
