/**
 * docs/migrate-from-heroku.md's data move, between two PostgreSQL servers in the fleet: a source
 * standing in for Heroku Postgres (a second container from the fleet's PostgreSQL image, filled
 * with an app's tables), and the fleet's own database standing in for RDS. The commands are the
 * doc's: `pg_dump --format=custom --no-owner --no-acl`, then `pg_restore --no-owner --no-acl
 * --jobs=4 --exit-on-error` into an empty database. Rows, contents, constraints and sequences must
 * arrive intact; the figures say how long each step took for this size.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { docker } from "../../fleet/src/exec";
import { fleetNames } from "../../fleet/src/settings";
import { waitFor } from "../../fleet/src/wait";
import { ctx, figure, settings } from "./support/fleet";

const ROWS = 50_000;
const SOURCE_PASSWORD = `source-${Math.random().toString(36).slice(2, 12)}`;

describe("fleet: moving the data from one PostgreSQL server to another (pg_dump, pg_restore)", () => {
  const names = fleetNames(settings.prefix);
  const source = `${settings.prefix}-pg-source`;
  const sourceVolume = `${source}-data`;
  const dir = mkdtempSync(path.join(tmpdir(), "berth-data-move-"));
  let target = "";

  /** SQL as the server's superuser (peer authentication inside its container). */
  const psql = async (container: string, database: string, sql: string) =>
    (
      await docker([
        "exec",
        "-u",
        "postgres",
        container,
        "psql",
        "-d",
        database,
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        sql,
      ])
    ).stdout.trim();

  before(async function () {
    this.timeout(5 * 60 * 1000);
    const database = ctx().fleet.database;
    assert.ok(database, "the fleet has no database");
    target = database.container;
    const passwordFile = path.join(dir, "password");
    writeFileSync(passwordFile, SOURCE_PASSWORD, { mode: 0o644 });
    await docker(["rm", "-f", source], { allowFail: true });
    await docker(["volume", "rm", sourceVolume], { allowFail: true });
    await docker([
      "run",
      "--detach",
      "--name",
      source,
      "--network",
      names.network,
      "--volume",
      `${sourceVolume}:/var/lib/postgresql/data`,
      "--volume",
      `${passwordFile}:/run/berth/postgres-password:ro`,
      names.postgresImage,
    ]);
    await waitFor(
      "the source server",
      async () => {
        const r = await docker(
          ["exec", source, "pg_isready", "-h", "127.0.0.1", "-U", "berth", "-d", "berth"],
          { allowFail: true },
        );
        return r.code === 0 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // An app's data, as its Heroku database holds it: two tables, a foreign key, a unique index,
    // JSON, time stamps, and sequences that have moved past the rows (deleted rows leave gaps).
    await psql(
      source,
      "berth",
      [
        // The app's own user owns its tables, as on Heroku.
        "SET ROLE berth",
        "CREATE TABLE customers (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL, profile jsonb, created_at timestamptz NOT NULL DEFAULT now())",
        "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total_cents integer NOT NULL CHECK (total_cents >= 0), placed_at timestamptz NOT NULL)",
        `INSERT INTO customers (email, profile) SELECT 'c' || g || '@example.test', jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g % 7)) FROM generate_series(1, ${ROWS}) g`,
        `INSERT INTO orders (customer_id, total_cents, placed_at) SELECT 1 + (g % ${ROWS}), g % 10000, timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, ${ROWS * 2}) g`,
        "DELETE FROM orders WHERE id % 97 = 0",
      ].join("; "),
    );
  });

  after(async () => {
    await docker(["rm", "-f", source], { allowFail: true });
    await docker(["volume", "rm", sourceVolume], { allowFail: true });
    if (target) {
      await docker(["exec", "-u", "postgres", target, "dropdb", "--if-exists", "moved"], {
        allowFail: true,
      });
      await docker(["exec", target, "rm", "-f", "/tmp/latest.dump"], { allowFail: true });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("arrives whole: rows, contents, constraints and sequences; the figures give the downtime", async function () {
    this.timeout(10 * 60 * 1000);
    const fingerprint = (container: string, database: string) =>
      psql(
        container,
        database,
        [
          "SELECT (SELECT count(*) FROM customers)",
          "(SELECT count(*) FROM orders)",
          "(SELECT md5(string_agg(c::text, '|' ORDER BY id)) FROM customers c)",
          "(SELECT md5(string_agg(o::text, '|' ORDER BY id)) FROM orders o)",
        ].join(", "),
      );
    const before = await fingerprint(source, "berth");

    // The doc's dump, over the network as from Heroku (here: the source's own client, by TCP),
    // signing in as the app's user with a password file (never on a command line).
    await docker(["exec", "-i", source, "sh", "-c", "umask 077 && cat > /tmp/pgpass"], {
      input: `127.0.0.1:5432:berth:berth:${SOURCE_PASSWORD}\n`,
    });
    let started = Date.now();
    await docker([
      "exec",
      "--env",
      "PGPASSFILE=/tmp/pgpass",
      source,
      "pg_dump",
      "--format=custom",
      "--no-owner",
      "--no-acl",
      "--file=/tmp/latest.dump",
      "--host=127.0.0.1",
      "--username=berth",
      "--dbname=berth",
    ]);
    const dumpMs = Date.now() - started;
    const dumpBytes = Number(
      (await docker(["exec", source, "stat", "-c", "%s", "/tmp/latest.dump"])).stdout.trim(),
    );
    // The file travels to where pg_restore runs (the doc: the bastion, or a container next to RDS).
    const archive = (await docker(["exec", source, "base64", "-w0", "/tmp/latest.dump"])).stdout;
    await docker(["exec", "-i", target, "sh", "-c", "base64 -d > /tmp/latest.dump"], {
      input: archive,
    });

    await docker(["exec", "-u", "postgres", target, "createdb", "--owner=berth", "moved"]);
    started = Date.now();
    await docker([
      "exec",
      "-u",
      "postgres",
      target,
      "pg_restore",
      "--no-owner",
      "--no-acl",
      "--jobs=4",
      "--exit-on-error",
      "--role=berth",
      "--dbname=moved",
      "/tmp/latest.dump",
    ]);
    const restoreMs = Date.now() - started;
    const [customers, orders] = before.split("|");
    figure("data move", { customers, orders, dumpBytes, dumpMs, restoreMs });

    assert.equal(await fingerprint(target, "moved"), before);
    // Constraints came along: a duplicate email and an order of no customer are refused.
    const refused = await docker(
      [
        "exec",
        "-u",
        "postgres",
        target,
        "psql",
        "-d",
        "moved",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        "INSERT INTO orders (customer_id, total_cents, placed_at) VALUES (0, 1, now())",
      ],
      { allowFail: true },
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /violates foreign key constraint/);
    // Sequences continue after the highest row, so the app's next insert does not collide.
    const next = await psql(
      target,
      "moved",
      "SELECT nextval('orders_id_seq') > (SELECT max(id) FROM orders), nextval('customers_id_seq') > (SELECT max(id) FROM customers)",
    );
    assert.equal(next, "t|t");
    // --no-owner with --role: the app's user owns what was restored, as on RDS.
    assert.equal(
      await psql(target, "moved", "SELECT tableowner FROM pg_tables WHERE tablename = 'customers'"),
      "berth",
    );
  });
});
