/**
 * The release command (Heroku's release phase): `node dist/migrate.js`. The deploy agent runs it
 * once per rollout, in a one-off container, before any host switches; a non-zero exit stops the
 * rollout with the old release serving. It applies the pending migrations in dist/migrations/
 * with node-pg-migrate (one transaction, under its advisory lock, so two runs never interleave),
 * then records the run in release_runs.
 */
import { join } from "node:path";
import { runner } from "node-pg-migrate";
import { Client } from "pg";
import { loadConfigOrExit, readReleaseConfig } from "./config";
import { readDatabaseConfig } from "./database";
import { errorFields, log } from "./log";

export const MIGRATIONS_TABLE = "pgmigrations";

const { release, digest } = loadConfigOrExit(readReleaseConfig);
const database = loadConfigOrExit((env) => readDatabaseConfig(env));

async function main(): Promise<void> {
  if (!database) {
    process.stderr.write("config error: DATABASE_URL is required to run the migrations\n");
    process.exit(78);
  }
  const client = new Client({
    connectionString: database.url,
    connectionTimeoutMillis: database.connectTimeoutMs,
    application_name: "berth-release",
  });
  await client.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir: join(__dirname, "migrations"),
      // Only the compiled migrations: no declaration or map files, whatever the build emits.
      ignorePattern: "(\\..*)|(.*\\.(d\\.ts|map))",
      migrationsTable: MIGRATIONS_TABLE,
      direction: "up",
      count: Infinity,
      singleTransaction: true,
      logger: {
        debug: () => undefined,
        info: (msg: string) => log("info", msg.trim()),
        warn: (msg: string) => log("warn", msg.trim()),
        error: (msg: string) => log("error", msg.trim()),
      },
    });
    await client.query(
      "INSERT INTO release_runs (release, digest, migrations_applied) VALUES ($1, $2, $3)",
      [release, digest, applied.length],
    );
    log("info", "release phase done", {
      release,
      migrationsApplied: applied.map((m) => m.name),
    });
  } finally {
    await client.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log("error", "release phase failed", errorFields(error));
    process.exit(1);
  },
);
