/**
 * The job queue: jobs, their results (one per job: the primary key is the job id) and every
 * attempt a worker made at one. Run by the release command (migrate.ts) through node-pg-migrate.
 */
import type { MigrationBuilder } from "node-pg-migrate";

export function up(pgm: MigrationBuilder): void {
  pgm.createTable("jobs", {
    id: { type: "uuid", primaryKey: true, default: pgm.func("gen_random_uuid()") },
    payload: { type: "jsonb", notNull: true },
    state: {
      type: "text",
      notNull: true,
      default: "queued",
      check: "state IN ('queued', 'done', 'failed')",
    },
    error: { type: "text" },
    created_at: { type: "timestamptz", notNull: true, default: pgm.func("clock_timestamp()") },
    finished_at: { type: "timestamptz" },
  });
  // What the workers' claim query scans: the queued jobs, oldest first.
  pgm.createIndex("jobs", ["created_at", "id"], {
    name: "jobs_queued_idx",
    where: "state = 'queued'",
  });
  pgm.createTable("job_results", {
    job_id: { type: "uuid", primaryKey: true, references: "jobs", onDelete: "CASCADE" },
    release: { type: "text", notNull: true },
    result: { type: "jsonb", notNull: true },
    finished_at: { type: "timestamptz", notNull: true, default: pgm.func("clock_timestamp()") },
  });
  // No foreign key: a worker records its attempt on a second connection while its own
  // transaction holds the job row FOR UPDATE, which a key check would wait for.
  pgm.createTable("job_attempts", {
    id: "bigserial",
    job_id: { type: "uuid", notNull: true },
    release: { type: "text", notNull: true },
    worker: { type: "text", notNull: true },
    started_at: { type: "timestamptz", notNull: true, default: pgm.func("clock_timestamp()") },
  });
  pgm.createIndex("job_attempts", "job_id");
}

export function down(pgm: MigrationBuilder): void {
  pgm.dropTable("job_attempts");
  pgm.dropTable("job_results");
  pgm.dropTable("jobs");
}
