import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LOCAL_RELEASE_COMMAND, localReleaseSpec } from "../../cli/src/local";
import { postgresRunArgs } from "../../fleet/src/commands";
import { databaseUrl, ensurePostgresPassword } from "../../fleet/src/postgres";
import { fleetSettings } from "../../fleet/src/settings";

const images = {
  app: `r:5000/berth/app@sha256:${"a".repeat(64)}`,
  proxy: `r:5000/berth/nginx@sha256:${"b".repeat(64)}`,
};

describe("the local fleet's PostgreSQL", function () {
  it("runs on the fleet network only, its data on a named volume, its password as a read-only file", function () {
    const args = postgresRunArgs("berth-fleet", "/state/postgres-password");
    assert.deepEqual(args.slice(0, 3), ["run", "--detach", "--name"]);
    assert.equal(args[3], "berth-fleet-postgres");
    assert.ok(args.includes("berth-fleet-net"));
    assert.ok(args.includes("berth-fleet-postgres-data:/var/lib/postgresql/data"));
    assert.ok(args.includes("/state/postgres-password:/run/berth/postgres-password:ro"));
    assert.ok(!args.includes("--publish"), "the database is not published on this machine");
    assert.ok(!args.includes("--env"), "no password in the container's env");
    assert.equal(args.at(-1), "berth-fleet-postgres:latest");
  });

  it("makes one password per fleet, kept 0600, and reuses it", function () {
    const stateDir = mkdtempSync(path.join(tmpdir(), "berth-pg-"));
    try {
      const settings = fleetSettings({ prefix: "pg-unit", stateDir });
      const first = ensurePostgresPassword(settings);
      assert.match(first, /^[A-Za-z0-9_-]{24}$/);
      assert.equal(ensurePostgresPassword(settings), first);
      assert.equal(statSync(path.join(stateDir, "postgres-password")).mode & 0o777, 0o600);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("the URL escapes the password", function () {
    assert.equal(
      databaseUrl("a/b@c", "172.18.0.5"),
      "postgres://berth:a%2Fb%40c@172.18.0.5:5432/berth",
    );
  });

  it("the local release spec carries DATABASE_URL in its env and runs the migrations, only with a database", function () {
    const url = databaseUrl("pw", "172.18.0.5");
    const spec = localReleaseSpec(images, {}, "/healthz", url);
    assert.equal(spec.env.DATABASE_URL, url);
    assert.equal(spec.env.PGPOOL_MAX, "5");
    assert.deepEqual(spec.releaseCommand, LOCAL_RELEASE_COMMAND);
    assert.ok(!JSON.stringify(spec.releaseCommand).includes("pw"), "no secret in argv");
    const without = localReleaseSpec(images, {}, "/healthz");
    assert.equal(without.env.DATABASE_URL, undefined);
    assert.equal(without.releaseCommand, null);
  });
});
