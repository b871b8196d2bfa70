import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { docker, dockerResult, removeImages, waitFor, waitForExit } from "../support/docker";
import { APP_IMAGE, buildImages, jsonLogs, processUids, RUN_PREFIX } from "./fixture";

const STATE_DIR = "/tmp/berth-worker";
const PG_IMAGE = `${RUN_PREFIX}-postgres:test`;

describe("the worker process (same image, `node dist/worker.js`) on a real PostgreSQL", function () {
  const network = `${RUN_PREFIX}-worker-net`;
  const pg = `${RUN_PREFIX}-worker-pg`;
  const scratch = mkdtempSync(path.join(tmpdir(), "berth-worker-"));
  const envFile = path.join(scratch, "app.env");
  let appId = "";
  let workers = 0;

  /** Runs SQL in the test database as its superuser (peer auth inside the container). */
  async function psql(sql: string): Promise<string[]> {
    const out = await docker([
      "exec",
      "-u",
      "postgres",
      pg,
      "psql",
      "-d",
      "berth",
      "-At",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      sql,
    ]);
    return out.split("\n").filter(Boolean);
  }

  /** Starts a worker with the database (its URL from an env file, never on a command line). */
  async function startWorker(withDatabase = true): Promise<string> {
    workers += 1;
    const name = `${RUN_PREFIX}-worker-${workers}`;
    await docker([
      "run",
      "--detach",
      "--name",
      name,
      "--network",
      network,
      ...(withDatabase ? ["--env-file", envFile] : []),
      "--env",
      `APP_RELEASE=worker-release-${workers}`,
      "--env",
      `APP_DIGEST=${appId}`,
      "--env",
      "WORKER_INTERVAL_MS=200",
      APP_IMAGE,
      "node",
      "dist/worker.js",
    ]);
    return name;
  }

  async function heartbeat(name: string): Promise<Record<string, unknown> | undefined> {
    // The image has node and no shell tools: read the file with node.
    const r = await dockerResult([
      "exec",
      name,
      "node",
      "-e",
      'process.stdout.write(require("fs").readFileSync(process.argv[1], "utf8"))',
      `${STATE_DIR}/heartbeat.json`,
    ]);
    return r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined;
  }

  async function enqueue(payload: unknown): Promise<string> {
    const [id] = await psql(
      `INSERT INTO jobs (payload) VALUES ('${JSON.stringify(payload)}') RETURNING id`,
    );
    return id!;
  }

  const jobState = async (id: string) =>
    (await psql(`SELECT state FROM jobs WHERE id = '${id}'`))[0];

  before(async function () {
    this.timeout(900_000);
    ({ appId } = await buildImages());
    await docker([
      "build",
      "--quiet",
      "--tag",
      PG_IMAGE,
      "--file",
      "fleet/postgres/postgres.Dockerfile",
      "fleet/postgres",
    ]);
    const password = createHash("sha256")
      .update(`${RUN_PREFIX}${Date.now()}`)
      .digest("hex")
      .slice(0, 24);
    const passwordFile = path.join(scratch, "pg-password");
    writeFileSync(passwordFile, password);
    chmodSync(passwordFile, 0o644);
    writeFileSync(envFile, `DATABASE_URL=postgres://berth:${password}@${pg}:5432/berth\n`, {
      mode: 0o600,
    });
    await docker(["network", "create", network]);
    await docker([
      "run",
      "--detach",
      "--name",
      pg,
      "--network",
      network,
      "--volume",
      `${passwordFile}:/run/berth/postgres-password:ro`,
      PG_IMAGE,
    ]);
    await waitFor(
      "PostgreSQL to accept connections",
      async () => {
        const r = await dockerResult([
          "exec",
          pg,
          "pg_isready",
          "-h",
          "127.0.0.1",
          "-U",
          "berth",
          "-d",
          "berth",
        ]);
        if (r.code !== 0) throw new Error(r.stdout.trim());
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
  });

  after(async function () {
    this.timeout(120_000);
    const names = [
      pg,
      ...Array.from({ length: workers }, (_, i) => `${RUN_PREFIX}-worker-${i + 1}`),
    ];
    await dockerResult(["rm", "--force", "--volumes", ...names]);
    await dockerResult(["network", "rm", network]);
    await removeImages([PG_IMAGE]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("the release command applies the migrations once; a second run applies none", async function () {
    const migrate = [
      "run",
      "--rm",
      "--network",
      network,
      "--env-file",
      envFile,
      "--env",
      "APP_RELEASE=migrate-1",
      "--env",
      `APP_DIGEST=${appId}`,
      APP_IMAGE,
      "node",
      "dist/migrate.js",
    ];
    const first = await dockerResult(migrate);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /MIGRATION \d+_job-queue \(UP\)/);
    const second = await dockerResult(migrate);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /No migrations to run/);
    assert.deepEqual(await psql("SELECT migrations_applied FROM release_runs ORDER BY id"), [
      "2",
      "0",
    ]);
  });

  it("runs queued jobs once each, and marks a malformed one failed with the reason", async function () {
    const worker = await startWorker();
    const text = "ship it  to every host";
    const good = await enqueue({ text, durationMs: 0 });
    const bad = await enqueue({ nope: 1 });
    await waitFor("both jobs to finish", async () =>
      (await jobState(good)) === "done" && (await jobState(bad)) === "failed" ? true : undefined,
    );
    const [result] = await psql(`SELECT result, release FROM job_results WHERE job_id = '${good}'`);
    const [json, release] = result!.split("|");
    assert.deepEqual(JSON.parse(json!), {
      sha256: createHash("sha256").update(text).digest("hex"),
      words: 5,
      characters: text.length,
    });
    assert.equal(release, "worker-release-1");
    assert.deepEqual(await psql(`SELECT error FROM jobs WHERE id = '${bad}'`), [
      'job must be an object with a string "text"',
    ]);
    const logs = await jsonLogs(worker);
    assert.ok(logs.some((line) => line.msg === "job done" && line.job === good));
    assert.ok(logs.some((line) => line.msg === "job failed" && line.job === bad));
  });

  it("passes the image's HEALTHCHECK, which checks the heartbeat for a worker", async function () {
    const worker = `${RUN_PREFIX}-worker-1`;
    const beat = await waitFor("a heartbeat", () => heartbeat(worker));
    assert.equal(beat.state, "running");
    assert.equal((await dockerResult(["exec", worker, "node", "dist/healthcheck.js"])).code, 0);
    const broken = await dockerResult([
      "exec",
      "--env",
      "WORKER_STATE_DIR=/tmp/no-worker-here",
      worker,
      "node",
      "dist/healthcheck.js",
    ]);
    assert.equal(broken.code, 1);
    const uids = await processUids(worker);
    assert.ok(uids.length >= 4 && uids.every((uid) => uid === 1000), `non-root: uids ${uids}`);
  });

  it("SIGTERM mid-job rolls the job back (exit 0, at once); the next worker takes it and does it once", async function () {
    const first = `${RUN_PREFIX}-worker-1`;
    const job = await enqueue({ text: "long one", durationMs: 4000 });
    await waitFor("the worker to take the job", async () =>
      (await psql(`SELECT count(*) FROM job_attempts WHERE job_id = '${job}'`))[0] === "1"
        ? true
        : undefined,
    );
    const started = Date.now();
    await docker(["stop", "--time", "10", first]);
    assert.equal(await waitForExit(first), 0);
    assert.ok(Date.now() - started < 3000, "the worker finished the job instead of stopping");
    assert.equal(await jobState(job), "queued");
    const messages = (await jsonLogs(first)).map((line) => line.msg);
    assert.deepEqual(messages.slice(-3), [
      "stopping",
      "job interrupted: rolled back, queued for another worker",
      "worker stopped",
    ]);
    await docker(["cp", `${first}:${STATE_DIR}/heartbeat.json`, scratch]);
    const beat = JSON.parse(readFileSync(path.join(scratch, "heartbeat.json"), "utf8")) as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      [beat.state, beat.processed, beat.failed, beat.interrupted],
      ["stopped", 1, 1, 1],
    );

    await startWorker();
    await waitFor(
      "the job to be done by the next worker",
      async () => ((await jobState(job)) === "done" ? true : undefined),
      { timeoutMs: 20_000 },
    );
    assert.deepEqual(await psql(`SELECT count(*) FROM job_results WHERE job_id = '${job}'`), ["1"]);
    assert.deepEqual(await psql(`SELECT count(*) FROM job_attempts WHERE job_id = '${job}'`), [
      "2",
    ]);
  });

  it("SIGKILL mid-job loses nothing either: the dead connection's transaction rolls back and the job is retaken", async function () {
    const second = `${RUN_PREFIX}-worker-2`;
    const job = await enqueue({ text: "killed one", durationMs: 4000 });
    await waitFor("the worker to take the job", async () =>
      (await psql(`SELECT count(*) FROM job_attempts WHERE job_id = '${job}'`))[0] === "1"
        ? true
        : undefined,
    );
    await docker(["kill", "--signal", "KILL", second]);
    assert.equal(await waitForExit(second), 137);
    await startWorker();
    await waitFor(
      "the job to be done by the next worker",
      async () => ((await jobState(job)) === "done" ? true : undefined),
      { timeoutMs: 20_000 },
    );
    assert.deepEqual(await psql(`SELECT count(*) FROM job_results WHERE job_id = '${job}'`), ["1"]);
    assert.deepEqual(await psql(`SELECT count(*) FROM job_attempts WHERE job_id = '${job}'`), [
      "2",
    ]);
  });

  it("without DATABASE_URL it still starts, beats and stops cleanly", async function () {
    const worker = await startWorker(false);
    const beat = await waitFor("a heartbeat", () => heartbeat(worker));
    assert.equal(beat.state, "running");
    await docker(["stop", "--time", "10", worker]);
    assert.equal(await waitForExit(worker), 0);
    const logs = await jsonLogs(worker);
    assert.equal(logs[0]?.queue, "none (DATABASE_URL is not set)");
    assert.equal(logs.at(-1)?.msg, "worker stopped");
  });
});
