import * as assert from "node:assert/strict";
import { AGENT_EXIT } from "../../infra/src/agent/contract";
import { fleetNames } from "../../fleet/src/settings";
import { docker } from "../../fleet/src/exec";
import { count, psql, uuidArray, writeJobs } from "./support/database";
import { underLoad } from "./support/load";
import {
  assertNoFailedRequests,
  STATE,
  agentOutputs,
  assertAllOn,
  convergedRelease,
  ctx,
  deploy,
  figure,
  lbUrl,
  newRelease,
  onHost,
  settings,
  specFor,
  statuses,
} from "./support/fleet";

/**
 * Dockerfile lines that add one migration file to a derived image's dist/migrations/. The app
 * image has no shell, so the file is written by node, from an exec-form RUN.
 */
function withMigration(name: string, source: string): string[] {
  const write = `require("fs").writeFileSync(${JSON.stringify(`/app/dist/migrations/${name}.js`)}, ${JSON.stringify(source)})`;
  return ["USER root", `RUN ${JSON.stringify(["node", "-e", write])}`, "USER node"];
}

const migrationsRun = () => count("SELECT count(*) FROM pgmigrations");
const releaseRuns = () => count("SELECT count(*) FROM release_runs");

describe("fleet: the release phase with a database (PostgreSQL, node-pg-migrate)", () => {
  before(async () => {
    // The fleet's first rollout runs the app's migrations: the job queue's tables exist after it.
    await convergedRelease("database-base");
    assert.ok(ctx().fleet.database, "the fleet has no database");
    if ((await psql("SELECT to_regclass('release_runs') IS NULL"))[0] === "t") {
      const image = await newRelease("database-migrated");
      assert.equal((await deploy(specFor(image))).ok, true);
    }
  });

  it("a 3-host rollout runs the migrations exactly once, on the first host; a no-op deploy runs none", async () => {
    const table = `fleet_check_${Date.now()}`;
    const name = `${Date.now()}_${table.replace(/_/g, "-")}`;
    const image = await newRelease(
      "new-migration",
      withMigration(
        name,
        `exports.up = (pgm) => { pgm.createTable(${JSON.stringify(table)}, { id: "id" }); pgm.sql("INSERT INTO ${table} DEFAULT VALUES"); };\n` +
          `exports.down = (pgm) => { pgm.dropTable(${JSON.stringify(table)}); };\n`,
      ),
    );
    const before = { migrations: await migrationsRun(), runs: await releaseRuns() };
    const spec = specFor(image);
    const { result, load } = await underLoad(lbUrl("/"), () => deploy(spec), { rate: 50 });
    assert.equal(result.ok, true, result.error ?? "");
    await assertAllOn(image);
    const after = { migrations: await migrationsRun(), runs: await releaseRuns() };
    figure("requests during the migrating rollout", load);
    figure("pgmigrations rows before/after", [before.migrations, after.migrations]);
    figure("release_runs rows before/after", [before.runs, after.runs]);
    await assertNoFailedRequests(load, "through the LB");
    assert.equal(after.migrations - before.migrations, 1, "the new migration was not applied once");
    assert.equal(after.runs - before.runs, 1, "the release phase did not run exactly once");
    assert.equal(await count(`SELECT count(*) FROM pgmigrations WHERE name = '${name}'`), 1);
    // The migration's own effect happened once: one row, not one per host.
    assert.equal(await count(`SELECT count(*) FROM ${table}`), 1);
    assert.match(result.results[0]!.stderr, /release phase: running 'node dist\/migrate\.js'/);
    for (const r of result.results.slice(1)) assert.match(r.stderr, /release phase: skipped here/);

    const again = await deploy(spec);
    assert.equal(again.ok, true, again.error ?? "");
    assert.deepEqual(
      again.results.map((r) => r.summary?.outcome),
      result.results.map(() => "unchanged"),
    );
    assert.equal(await releaseRuns(), after.runs, "an unchanged deploy ran the release phase");
  });

  it("a failing migration stops the rollout before any switch: the old release serves, 0 failed requests", async () => {
    const good = (await statuses())[0]!.image;
    const table = `never_created_${Date.now()}`;
    const image = await newRelease(
      "failing-migration",
      withMigration(
        `${Date.now()}_failing`,
        `exports.up = (pgm) => { pgm.createTable(${JSON.stringify(table)}, { id: "id" }); pgm.sql("SELECT 1/0"); };\n` +
          `exports.down = () => {};\n`,
      ),
    );
    const before = { migrations: await migrationsRun(), runs: await releaseRuns() };
    const { result, load } = await underLoad(lbUrl("/"), () => deploy(specFor(image)), {
      rate: 50,
    });
    figure("requests during the failed migration", load);
    assert.equal(result.ok, false);
    assert.equal(result.results.length, 1, "the rollout went past its first host");
    assert.equal(result.results[0]!.exitCode, AGENT_EXIT.releaseCommand, result.error ?? "");
    assert.match(result.error ?? "", /release command .* failed; nothing was switched/);
    assert.match(result.error ?? "", /division by zero/);
    assert.ok(load.sent > 50, `too little load to prove anything (${load.sent} requests)`);
    await assertNoFailedRequests(load, "through the LB");
    for (const s of await assertAllOn(good))
      assert.ok(!s.containers.some((c) => c.image === image), `${s.host} has the failed release`);
    // The migration ran in one transaction: its table is not there, nothing was recorded.
    assert.deepEqual(await psql(`SELECT to_regclass('${table}') IS NULL`), ["t"]);
    assert.equal(await migrationsRun(), before.migrations);
    assert.equal(await releaseRuns(), before.runs);
  });

  it("jobs written through the LB during a rolling deploy are each processed exactly once, across worker replacements", async () => {
    const image = await newRelease("jobs-rollout");
    const durationMs = 1200;
    const writer = writeJobs(lbUrl("/jobs"), { intervalMs: 300, durationMs, maxSeconds: 240 });
    // A few seconds of backlog first, so every old worker holds a job when it is stopped.
    await new Promise((r) => setTimeout(r, 4000));
    const { result, load } = await underLoad(lbUrl("/"), () => deploy(specFor(image)), {
      rate: 50,
    });
    const jobs = await writer.stop();
    assert.equal(result.ok, true, result.error ?? "");
    await assertAllOn(image);
    const ids = uuidArray(jobs.accepted);
    const doneCount = () =>
      count(`SELECT count(*) FROM jobs WHERE id = ANY(${ids}) AND state <> 'queued'`);
    const deadline = Date.now() + 180_000;
    while ((await doneCount()) < jobs.accepted.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1000));

    const processed = await count(`SELECT count(*) FROM job_results WHERE job_id = ANY(${ids})`);
    const duplicates = await count(
      `SELECT count(*) - count(DISTINCT job_id) FROM job_results WHERE job_id = ANY(${ids})`,
    );
    const lost = await count(
      `SELECT count(*) FROM unnest(${ids}) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM job_results r WHERE r.job_id = a.id)`,
    );
    const [retaken = "0|0"] = await psql(
      `SELECT count(*), coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM job_attempts WHERE job_id = ANY(${ids}) GROUP BY job_id HAVING count(*) > 1) AS t`,
    );
    const [interrupted, extraAttempts] = retaken.split("|").map(Number);
    const byRelease = await psql(
      `SELECT release, count(*) FROM job_results WHERE job_id = ANY(${ids}) GROUP BY release ORDER BY 2 DESC`,
    );
    figure("requests during the rollout (GET /)", load);
    figure("job POSTs sent / accepted (202) / refused / failed", [
      jobs.sent,
      jobs.accepted.length,
      jobs.refused,
      jobs.errors,
    ]);
    figure("jobs processed / duplicates / lost", [processed, duplicates, lost]);
    figure("jobs interrupted mid-job and retaken / extra attempts", [interrupted, extraAttempts]);
    figure("jobs processed per release", byRelease);
    assert.ok(
      jobs.accepted.length >= 30,
      `too few jobs to prove anything (${jobs.accepted.length})`,
    );
    assert.equal(jobs.refused + jobs.errors, 0, "job POSTs failed during the rollout");
    await assertNoFailedRequests(load, "through the LB");
    assert.equal(lost, 0, "accepted jobs were never processed");
    assert.equal(duplicates, 0, "a job was processed twice");
    assert.equal(processed, jobs.accepted.length);
    assert.ok(
      (interrupted ?? 0) >= 1,
      "no worker was replaced mid-job: the test proved nothing about interruptions",
    );
    assert.equal(
      await count(`SELECT count(*) FROM jobs WHERE id = ANY(${ids}) AND state = 'failed'`),
      0,
    );
  });

  it("the database password appears in no agent output, host log or database log", async () => {
    const url = new URL(ctx().fleet.database!.url);
    const password = decodeURIComponent(url.password);
    assert.ok(password.length >= 20);
    const texts: [string, string][] = agentOutputs.map((t, i) => [`agent output ${i}`, t]);
    for (let i = 0; i < settings.hostCount; i++) {
      const logs = await onHost(
        i,
        `sudo -n sh -c 'cat ${STATE}/receipts.jsonl /var/log/dockerd.log; for c in $(docker ps -aq); do docker logs $c 2>&1; done'`,
      );
      texts.push([`host-${i + 1} logs`, logs.stdout + logs.stderr]);
    }
    const names = fleetNames(settings.prefix);
    const pgLog = await docker(["logs", names.postgres]);
    texts.push(["the database's log", pgLog.stdout + pgLog.stderr]);
    const inspect = await docker(["inspect", names.postgres]);
    texts.push(["docker inspect of the database", inspect.stdout]);
    const total = texts.reduce((n, [, t]) => n + t.length, 0);
    figure("bytes searched for the database password", total);
    assert.ok(total > 10000, "too little output collected to prove anything");
    for (const [where, text] of texts)
      assert.ok(!text.includes(password), `the database password appears in ${where}`);
  });
});
