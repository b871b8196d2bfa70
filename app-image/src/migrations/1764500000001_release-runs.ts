/** One row per run of the release phase (migrate.ts), so "once per rollout" can be counted. */
import type { MigrationBuilder } from "node-pg-migrate";

export function up(pgm: MigrationBuilder): void {
  pgm.createTable("release_runs", {
    id: "bigserial",
    release: { type: "text", notNull: true },
    digest: { type: "text", notNull: true },
    migrations_applied: { type: "integer", notNull: true },
    ran_at: { type: "timestamptz", notNull: true, default: pgm.func("clock_timestamp()") },
  });
}

export function down(pgm: MigrationBuilder): void {
  pgm.dropTable("release_runs");
}
