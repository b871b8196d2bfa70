/**
 * The agent's `tick` (infra/host/berth-agent), run locally with a docker that records its calls:
 * which jobs it starts at a given minute (checked against cron-parser's own schedule), how it
 * starts them (the current release's image and env, one-off, labelled), a run still going
 * (refused), and a finished run (its exit code logged, its output kept root-only).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CronExpressionParser } from "cron-parser";
import { scheduledJob } from "../../infra/src/schedule";

const AGENT = path.resolve(__dirname, "../../infra/host/berth-agent");
const REAL_ID = spawnSync("sh", ["-c", "command -v id"], { encoding: "utf8" }).stdout.trim();
const IMAGE = `r.example/app@sha256:${"c".repeat(64)}`;
const RELEASE = "cccccccccccc-aaaaaaaaaaaa";

interface Tick {
  code: number | null;
  stderr: string;
  dockerCalls: string[];
  events: Record<string, unknown>[];
  outputs: { file: string; mode: number; text: string }[];
}

function tick(
  jobs: { name: string; cron: string; command: string[] }[],
  at: Date,
  docker = "",
): Tick {
  const sandbox = mkdtempSync(path.join(tmpdir(), "berth-tick-"));
  try {
    const bin = path.join(sandbox, "bin");
    const calls = path.join(sandbox, "docker-calls");
    const state = path.join(sandbox, "state", "web-prod");
    mkdirSync(bin);
    mkdirSync(path.join(state, "releases", RELEASE), { recursive: true });
    writeFileSync(path.join(state, "current"), `${RELEASE}\n`);
    writeFileSync(
      path.join(state, "releases", RELEASE, "spec.json"),
      JSON.stringify({ image: IMAGE }),
    );
    writeFileSync(path.join(state, "releases", RELEASE, "env"), "SECRET=x\n");
    writeFileSync(
      path.join(state, "schedule.json"),
      JSON.stringify({ app: "web", stack: "prod", jobs: jobs.map(scheduledJob) }),
    );
    writeFileSync(
      path.join(bin, "id"),
      `#!/bin/sh\nif [ "$*" = -u ]; then echo 0; exit 0; fi\nexec ${REAL_ID} "$@"\n`,
      { mode: 0o755 },
    );
    writeFileSync(
      path.join(bin, "docker"),
      `#!/bin/sh\nprintf '%s\\n' "$*" >>${calls}\n${docker}\n`,
      {
        mode: 0o755,
      },
    );
    const r = spawnSync("bash", [AGENT, "tick", "--app", "web", "--stack", "prod"], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        BERTH_STATE_DIR: path.join(sandbox, "state"),
        BERTH_NOW: String(Math.floor(at.getTime() / 1000)),
      },
    });
    const log = path.join(state, "schedule.log");
    const logs = path.join(state, "logs");
    return {
      code: r.status,
      stderr: r.stderr,
      dockerCalls: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [],
      events: existsSync(log)
        ? readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
      outputs: existsSync(logs)
        ? spawnSync("ls", [logs], { encoding: "utf8" })
            .stdout.trim()
            .split("\n")
            .filter(Boolean)
            .map((name) => ({
              file: name,
              mode: statSync(path.join(logs, name)).mode & 0o777,
              text: readFileSync(path.join(logs, name), "utf8"),
            }))
        : [],
    };
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}

/** Whether cron-parser's schedule for `cron` has a run at exactly `at` (UTC, to the minute). */
function cronParserSaysDue(cron: string, at: Date): boolean {
  const next = CronExpressionParser.parse(cron, {
    tz: "UTC",
    currentDate: new Date(at.getTime() - 1000),
  }).next();
  return next.getTime() === at.getTime();
}

const started = (t: Tick) =>
  t.events
    .filter((e) => e.event === "started")
    .map((e) => String(e.job))
    .sort();

describe("berth-agent tick: the scheduled jobs due this minute", () => {
  it("starts exactly the jobs cron-parser's schedule has at that minute", function () {
    this.timeout(120_000);
    const jobs = [
      { name: "every-quarter", cron: "*/15 * * * *", command: ["true"] },
      { name: "office-hours", cron: "30 9-17 * * 1-5", command: ["true"] },
      { name: "payday", cron: "0 0 1,15 * *", command: ["true"] },
      { name: "friday-13th", cron: "0 12 13 * 5", command: ["true"] },
      { name: "nightly", cron: "@daily", command: ["true"] },
      { name: "sunday", cron: "45 6 * * 7", command: ["true"] },
      { name: "winter", cron: "0 */6 * 12,1,2 *", command: ["true"] },
    ];
    // Minutes chosen so that every job is due at some of them and not at others.
    const times = [
      "2026-12-01T00:00:00Z",
      "2026-12-01T00:15:00Z",
      "2026-12-01T06:00:00Z",
      "2026-12-01T09:30:00Z",
      "2026-12-05T09:30:00Z",
      "2026-12-06T06:45:00Z",
      "2026-12-13T12:00:00Z",
      "2026-11-13T12:00:00Z",
      "2027-01-15T00:00:00Z",
      "2027-03-13T12:00:00Z",
      "2027-03-15T00:00:00Z",
      "2026-12-02T17:30:00Z",
      "2026-12-02T17:31:00Z",
      "2027-06-06T06:45:00Z",
      "2027-08-13T12:00:00Z",
      "2026-12-04T12:00:00Z",
    ].map((t) => new Date(t));
    const seen = new Set<string>();
    for (const at of times) {
      const run = tick(jobs, at);
      assert.equal(run.code, 0, run.stderr);
      const expected = jobs
        .filter((j) => cronParserSaysDue(j.cron, at))
        .map((j) => j.name)
        .sort();
      assert.deepEqual(started(run), expected, `at ${at.toISOString()}`);
      expected.forEach((name) => seen.add(name));
    }
    assert.deepEqual([...seen].sort(), jobs.map((j) => j.name).sort(), "some job was never due");
  });

  it("runs a job in a one-off container of the current release, with its env, labelled", () => {
    const run = tick(
      [{ name: "report", cron: "* * * * *", command: ["node", "-e", "console.log('$(not) run')"] }],
      new Date("2026-12-01T10:00:00Z"),
    );
    assert.equal(run.code, 0, run.stderr);
    const call = run.dockerCalls.find((c) => c.startsWith("run "));
    assert.ok(call, run.dockerCalls.join("\n"));
    assert.match(call, /^run --detach --name web-prod-job-report-\d+ --network berth-web-prod /);
    assert.match(call, new RegExp(`--env-file \\S+/releases/${RELEASE}/env`));
    for (const label of [
      "berth.app=web",
      "berth.stack=prod",
      "berth.role=job",
      "berth.job=report",
      `berth.release=${RELEASE}`,
    ])
      assert.ok(call.includes(`--label ${label}`), `${label} missing: ${call}`);
    assert.ok(call.endsWith(`${IMAGE} node -e console.log('$(not) run')`), call);
    assert.deepEqual(
      run.events.map((e) => e.event),
      ["started"],
    );
    assert.equal(run.events[0]?.release, RELEASE);
  });

  it("refuses to start a job whose previous run still runs, and says so", () => {
    const run = tick(
      [{ name: "report", cron: "* * * * *", command: ["true"] }],
      new Date("2026-12-01T10:00:00Z"),
      `case "$*" in "ps -q "*berth.job=report*) echo 0123456789ab ;; esac`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.dockerCalls.some((c) => c.startsWith("run ")), run.dockerCalls.join("\n"));
    assert.deepEqual(run.events, [
      {
        at: run.events[0]?.at,
        event: "skipped",
        job: "report",
        reason: "the previous run is still running",
      },
    ]);
  });

  it("logs a finished run's exit code, keeps its output root-only, and removes the container", () => {
    const name = "web-prod-job-report-1764583200";
    const run = tick(
      [{ name: "report", cron: "0 0 1 1 *", command: ["true"] }],
      new Date("2026-12-01T10:00:00Z"),
      [
        `case "$*" in`,
        `  "ps -a "*status=exited*) echo ${name} ;;`,
        `  "inspect "*) echo "report ${RELEASE} 3 2026-12-01T09:59:00Z 2026-12-01T09:59:02Z" ;;`,
        `  "logs "*) echo "report failed: disk full" ;;`,
        `esac`,
      ].join("\n"),
    );
    assert.equal(run.code, 0, run.stderr);
    const finished = run.events.find((e) => e.event === "finished");
    assert.ok(finished, JSON.stringify(run.events));
    assert.equal(finished.exitCode, 3);
    assert.equal(finished.ok, false);
    assert.equal(finished.release, RELEASE);
    assert.deepEqual(run.outputs, [
      { file: `job-${name}.log`, mode: 0o600, text: "report failed: disk full\n" },
    ]);
    assert.ok(run.dockerCalls.includes(`rm ${name}`), run.dockerCalls.join("\n"));
    assert.match(run.stderr, /"exitCode":3/);
  });
});
