/**
 * The Postgres-backed job queue (tables in migrations/, statements in jobs.ts).
 *
 * A worker takes a job in one transaction: lock the oldest queued row (FOR UPDATE SKIP LOCKED), do
 * the work, insert its result and mark it done, commit. A worker stopped or killed before the
 * commit leaves nothing behind: the transaction rolls back, the lock goes with the connection and
 * the job is queued again for the next worker. A committed job is never taken again.
 */
import { hostname } from "node:os";
import type { Pool } from "pg";
import { JobPayload, JobResult, SQL, runJob } from "./jobs";

export interface JobView {
  id: string;
  state: "queued" | "done" | "failed";
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
  processedBy: string | null;
  result: JobResult | null;
  error: string | null;
}

export async function enqueueJob(
  pool: Pool,
  job: JobPayload,
): Promise<{ id: string; state: string }> {
  const { rows } = await pool.query<{ id: string; state: string }>(SQL.enqueue, [
    JSON.stringify(job),
  ]);
  return rows[0]!;
}

export async function readJob(pool: Pool, id: string): Promise<JobView | null> {
  const { rows } = await pool.query(SQL.read, [id]);
  const row = rows[0] as Record<string, unknown> | undefined;
  if (!row) return null;
  const date = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
  return {
    id: row.id as string,
    state: row.state as JobView["state"],
    attempts: row.attempts as number,
    createdAt: date(row.created_at) ?? "",
    finishedAt: date(row.finished_at),
    processedBy: (row.processed_by as string | null) ?? null,
    result: (row.result as JobResult | null) ?? null,
    error: (row.error as string | null) ?? null,
  };
}

export type TakeOutcome =
  | { job: string; outcome: "done"; result: JobResult }
  | { job: string; outcome: "failed"; error: string }
  | { job: string; outcome: "interrupted" };

/** Waits `ms`, or less when `signal` aborts (the worker is stopping). */
function work(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Takes the oldest queued job and runs it, its effect and its done mark in one transaction.
 * Returns null when no job is waiting. When `signal` aborts mid-job the transaction rolls back
 * ("interrupted"): the job stays queued for another worker. Needs two connections from `pool`:
 * the job's transaction, and the attempt record that outlives it.
 */
export async function takeAndRunJob(
  pool: Pool,
  release: string,
  signal: AbortSignal,
): Promise<TakeOutcome | null> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ id: string; payload: JobPayload }>(SQL.claim);
    const claimed = rows[0];
    if (!claimed) {
      await client.query("COMMIT");
      return null;
    }
    await pool.query(SQL.recordAttempt, [claimed.id, release, `${hostname()}:${process.pid}`]);
    let outcome: TakeOutcome;
    try {
      const result = runJob(claimed.payload);
      await work(Number(claimed.payload.durationMs) || 0, signal);
      if (signal.aborted) {
        await client.query("ROLLBACK");
        return { job: claimed.id, outcome: "interrupted" };
      }
      await client.query(SQL.insertResult, [claimed.id, release, JSON.stringify(result)]);
      await client.query(SQL.markDone, [claimed.id]);
      outcome = { job: claimed.id, outcome: "done", result };
    } catch (error) {
      if (!(error instanceof Error) || "code" in error) throw error; // a database error, not the job's
      await client.query(SQL.markFailed, [claimed.id, error.message]);
      outcome = { job: claimed.id, outcome: "failed", error: error.message };
    }
    await client.query("COMMIT");
    return outcome;
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    // A connection whose transaction failed is dropped rather than reused.
    client.release(broken);
  }
}
