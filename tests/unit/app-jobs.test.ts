import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import path from "node:path";
import { ConfigError, type WebConfig } from "../../app-image/src/config";
import { readDatabaseConfig } from "../../app-image/src/database";
import {
  MAX_JOB_BODY_BYTES,
  SQL,
  isJobId,
  parseJobRequest,
  runJob,
} from "../../app-image/src/jobs";
import { createRequestHandler } from "../../app-image/src/routes";

/** The pool type the handler takes (pg's Pool, as the app resolves it). */
type Pool = NonNullable<Parameters<typeof createRequestHandler>[2]>;

const JOB_ID = "0b4f7c2e-5d0a-4f43-9a51-2f6c1d7e8a90";

describe("the job queue's pure parts", function () {
  it("runJob counts words and characters and hashes the text", function () {
    assert.deepEqual(runJob({ text: "  héllo   wörld ", durationMs: 0 }), {
      sha256: createHash("sha256").update("  héllo   wörld ").digest("hex"),
      words: 2,
      characters: 16,
    });
    assert.equal(runJob({ text: "   " }).words, 0);
    assert.throws(() => runJob(null), /string "text"/);
    assert.throws(() => runJob({ text: 3 }), /string "text"/);
  });

  it("parseJobRequest takes text and an optional durationMs, and nothing else", function () {
    assert.deepEqual(parseJobRequest('{"text":"a b"}'), {
      ok: true,
      job: { text: "a b", durationMs: 0 },
    });
    assert.deepEqual(parseJobRequest('{"text":"","durationMs":1500}'), {
      ok: true,
      job: { text: "", durationMs: 1500 },
    });
    const refused: [string, RegExp][] = [
      ["{not json", /must be JSON/],
      ["[]", /JSON object/],
      ["null", /JSON object/],
      ['"text"', /JSON object/],
      ['{"text":3}', /"text" must be a string/],
      [JSON.stringify({ text: "x".repeat(10_001) }), /at most 10000 characters/],
      ['{"text":"a","durationMs":-1}', /"durationMs" must be an integer from 0 to 60000/],
      ['{"text":"a","durationMs":1.5}', /"durationMs" must be an integer/],
      ['{"text":"a","durationMs":"5"}', /"durationMs" must be an integer/],
      ['{"text":"a","durationMs":60001}', /"durationMs" must be an integer/],
      ['{"text":"a","priority":1}', /unknown field "priority"/],
    ];
    for (const [body, message] of refused) {
      const parsed = parseJobRequest(body);
      assert.equal(parsed.ok, false, body);
      if (!parsed.ok) assert.match(parsed.message, message, body);
    }
  });

  it("isJobId accepts UUIDs only", function () {
    assert.equal(isJobId(JOB_ID), true);
    for (const id of ["", "1", `${JOB_ID}x`, "../etc/passwd", JOB_ID.replace(/-/g, "")])
      assert.equal(isJobId(id), false, id);
  });

  it("the claim locks one queued job and skips the ones other workers hold", function () {
    const claim = SQL.claim.replace(/\s+/g, " ");
    assert.match(claim, /WHERE state = 'queued'/);
    assert.match(claim, /ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED$/);
    // The effect is keyed by the job id, and the done mark only touches the claimed row.
    assert.match(SQL.insertResult, /^INSERT INTO job_results \(job_id, /);
    assert.match(SQL.markDone, /WHERE id = \$1$/);
  });

  it("the migrations are node-pg-migrate files in timestamp order, with up and down", function () {
    const dir = path.join(__dirname, "../../app-image/src/migrations");
    const files = readdirSync(dir).sort();
    assert.ok(files.length >= 2, files.join(", "));
    for (const file of files) {
      assert.match(file, /^\d{13}_[a-z0-9-]+\.ts$/, file);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const migration = require(path.join(dir, file)) as Record<string, unknown>;
      assert.equal(typeof migration.up, "function", `${file}: up`);
      assert.equal(typeof migration.down, "function", `${file}: down`);
    }
  });
});

describe("the app's database settings", function () {
  const secretUrl = "postgres://app:hunter2@db.internal:5432/app";

  it("no DATABASE_URL: no database (the app still runs)", function () {
    assert.equal(readDatabaseConfig({}), null);
    assert.equal(readDatabaseConfig({ DATABASE_URL: "  " }), null);
  });

  it("a bounded pool: PGPOOL_MAX from 1 to 100, default 5 (or the caller's)", function () {
    assert.equal(readDatabaseConfig({ DATABASE_URL: secretUrl })?.poolMax, 5);
    assert.equal(readDatabaseConfig({ DATABASE_URL: secretUrl }, 2)?.poolMax, 2);
    assert.equal(readDatabaseConfig({ DATABASE_URL: secretUrl, PGPOOL_MAX: "12" })?.poolMax, 12);
    for (const bad of ["0", "101", "x", "-1"])
      assert.throws(
        () => readDatabaseConfig({ DATABASE_URL: secretUrl, PGPOOL_MAX: bad }),
        (e: Error) =>
          e instanceof ConfigError &&
          /^PGPOOL_MAX must be an integer from 1 to 100/.test(e.message),
      );
  });

  it("a malformed DATABASE_URL is named without printing its value", function () {
    for (const url of ["hunter2", "mysql://app:hunter2@db/app", "postgres://app:hunter2@db"]) {
      assert.throws(
        () => readDatabaseConfig({ DATABASE_URL: url }),
        (e: Error) =>
          e instanceof ConfigError &&
          e.message.startsWith("DATABASE_URL must") &&
          !e.message.includes("hunter2"),
        url,
      );
    }
  });
});

describe("the job routes (handler in-process, a stand-in pool)", function () {
  const config: WebConfig = {
    release: "r-unit",
    digest: `sha256:${"1".repeat(64)}`,
    port: 0,
    healthPath: "/healthz",
    shutdownTimeoutMs: 8000,
    keepAliveTimeoutMs: 65_000,
    headersTimeoutMs: 15_000,
    drainDelayMs: 0,
    slowMaxMs: 500,
    cpuMaxMs: 20,
  };
  const queries: { sql: string; params: unknown[] }[] = [];
  let answer: (sql: string) => { rows: unknown[] } = () => ({ rows: [] });
  const pool = {
    query: async (sql: string, params: unknown[] = []) => {
      queries.push({ sql, params });
      return answer(sql);
    },
  } as unknown as Pool;
  const servers: Server[] = [];
  const realWrite = process.stdout.write.bind(process.stdout);
  const logged: string[] = [];

  async function serve(withPool: Pool | null): Promise<string> {
    const server = createServer(createRequestHandler(config, { draining: false }, withPool));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const post = (base: string, body: string) =>
    fetch(`${base}/jobs`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });

  beforeEach(function () {
    queries.length = 0;
    logged.length = 0;
    answer = () => ({ rows: [] });
    process.stdout.write = ((chunk: string) => {
      if (chunk.startsWith('{"time"')) logged.push(chunk);
      else realWrite(chunk);
      return true;
    }) as typeof process.stdout.write;
  });
  afterEach(function () {
    process.stdout.write = realWrite;
  });
  after(function () {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it("POST /jobs enqueues a valid job: 202, its id, and a Location to read it at", async function () {
    const base = await serve(pool);
    answer = () => ({ rows: [{ id: JOB_ID, state: "queued" }] });
    const res = await post(base, '{"text":"ship it","durationMs":20}');
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { id: JOB_ID, state: "queued" });
    assert.equal(res.headers.get("location"), `/jobs/${JOB_ID}`);
    assert.equal(queries.length, 1);
    assert.equal(queries[0]!.sql, SQL.enqueue);
    assert.deepEqual(JSON.parse(queries[0]!.params[0] as string), {
      text: "ship it",
      durationMs: 20,
    });
  });

  it("a bad job is a 400 saying why, a huge one a 413, and neither reaches the database", async function () {
    const base = await serve(pool);
    const bad = await post(base, '{"text":7}');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /"text" must be a string/);
    const huge = await post(base, JSON.stringify({ text: "x".repeat(MAX_JOB_BODY_BYTES) }));
    assert.equal(huge.status, 413);
    assert.equal(queries.length, 0);
  });

  it("GET /jobs/:id: the job, 404 for an unknown or malformed id, 405 for other methods", async function () {
    const base = await serve(pool);
    answer = () => ({
      rows: [
        {
          id: JOB_ID,
          state: "done",
          attempts: 2,
          created_at: new Date("2026-11-30T10:00:00Z"),
          finished_at: new Date("2026-11-30T10:00:01Z"),
          processed_by: "r2",
          result: { sha256: "ab", words: 2, characters: 7 },
          error: null,
        },
      ],
    });
    const res = await fetch(`${base}/jobs/${JOB_ID}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      id: JOB_ID,
      state: "done",
      attempts: 2,
      createdAt: "2026-11-30T10:00:00.000Z",
      finishedAt: "2026-11-30T10:00:01.000Z",
      processedBy: "r2",
      result: { sha256: "ab", words: 2, characters: 7 },
      error: null,
    });
    assert.deepEqual(queries[0]!.params, [JOB_ID]);
    answer = () => ({ rows: [] });
    assert.equal((await fetch(`${base}/jobs/${JOB_ID.replace("0b", "1b")}`)).status, 404);
    assert.equal((await fetch(`${base}/jobs/not-a-uuid`)).status, 404);
    assert.equal(queries.length, 2, "a malformed id must not reach the database");
    const del = await fetch(`${base}/jobs/${JOB_ID}`, { method: "DELETE" });
    assert.equal(del.status, 405);
    assert.equal(del.headers.get("allow"), "GET");
  });

  it("a database error is a 503 that shows nothing of it; the error is logged", async function () {
    const base = await serve(pool);
    answer = () => {
      throw new Error('password authentication failed for user "app" at 10.0.3.7');
    };
    const res = await post(base, '{"text":"a"}');
    assert.equal(res.status, 503);
    const text = await res.text();
    assert.match(text, /database_unavailable/);
    assert.doesNotMatch(text, /password|10\.0\.3\.7|at /);
    assert.ok(logged.some((line) => line.includes("password authentication failed")));
    assert.equal((await fetch(`${base}/`)).status, 200, "/ still answers");
    assert.equal((await fetch(`${base}/healthz`)).status, 200, "health is the process's");
  });

  it("without a database the job routes answer 503 saying so; the rest serves", async function () {
    const base = await serve(null);
    for (const res of [await post(base, '{"text":"a"}'), await fetch(`${base}/jobs/${JOB_ID}`)]) {
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), {
        error: "no_database",
        message: "the job routes need a database: this process runs without DATABASE_URL",
      });
    }
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
