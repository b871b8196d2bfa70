/**
 * The job queue's pure parts: what a job request may hold, the work itself, and every SQL
 * statement the web and worker processes run against the queue's tables (migrations/).
 */
import { createHash } from "node:crypto";

/** A job as clients submit it (POST /jobs) and as the jobs table keeps it (payload). */
export interface JobPayload {
  text: string;
  /** Simulated extra work time, so a job can outlast a deploy's worker replacement. */
  durationMs: number;
}

export interface JobResult {
  sha256: string;
  words: number;
  characters: number;
}

export const MAX_JOB_TEXT = 10_000;
export const MAX_JOB_DURATION_MS = 60_000;
/** POST /jobs bodies larger than this are refused with a 413 before they are parsed. */
export const MAX_JOB_BODY_BYTES = 64 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a job id as the database makes them (a UUID). */
export function isJobId(text: string): boolean {
  return UUID.test(text);
}

export type Parsed = { ok: true; job: JobPayload } | { ok: false; message: string };

/** Validates a POST /jobs body: {"text": string, "durationMs"?: integer}; nothing else. */
export function parseJobRequest(body: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, message: 'the body must be JSON, like {"text": "hello"}' };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, message: 'the body must be a JSON object with a string "text"' };
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => k !== "text" && k !== "durationMs");
  if (unknown.length > 0)
    return {
      ok: false,
      message: `unknown field ${JSON.stringify(unknown[0])}: only text and durationMs`,
    };
  const { text, durationMs = 0 } = fields;
  if (typeof text !== "string" || text.length > MAX_JOB_TEXT)
    return { ok: false, message: `"text" must be a string of at most ${MAX_JOB_TEXT} characters` };
  if (
    !Number.isSafeInteger(durationMs) ||
    (durationMs as number) < 0 ||
    (durationMs as number) > MAX_JOB_DURATION_MS
  )
    return {
      ok: false,
      message: `"durationMs" must be an integer from 0 to ${MAX_JOB_DURATION_MS}`,
    };
  return { ok: true, job: { text, durationMs: durationMs as number } };
}

/** The work itself, pure: a stored payload in, its result out; throws on a payload that is not a job. */
export function runJob(payload: unknown): JobResult {
  const text = (payload as { text?: unknown } | null)?.text;
  if (typeof text !== "string") throw new Error('job must be an object with a string "text"');
  const trimmed = text.trim();
  return {
    sha256: createHash("sha256").update(text).digest("hex"),
    words: trimmed === "" ? 0 : trimmed.split(/\s+/).length,
    characters: [...text].length,
  };
}

export const SQL = {
  enqueue: "INSERT INTO jobs (payload) VALUES ($1) RETURNING id, state",
  read: `SELECT j.id, j.state, j.error, j.created_at, j.finished_at, r.release AS processed_by, r.result,
            (SELECT count(*) FROM job_attempts a WHERE a.job_id = j.id)::int AS attempts
       FROM jobs j LEFT JOIN job_results r ON r.job_id = j.id
      WHERE j.id = $1`,
  /**
   * The oldest waiting job, locked for this transaction; jobs other workers hold are skipped, not
   * waited for. The lock lasts until COMMIT or ROLLBACK, or until the connection dies.
   */
  claim: `SELECT id, payload FROM jobs
           WHERE state = 'queued'
           ORDER BY created_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED`,
  /** Autocommitted on a second connection, so it stays even when the job's transaction does not. */
  recordAttempt: "INSERT INTO job_attempts (job_id, release, worker) VALUES ($1, $2, $3)",
  /** The job's effect: its primary key is the job id, so a job can have one result at most. */
  insertResult: "INSERT INTO job_results (job_id, release, result) VALUES ($1, $2, $3)",
  markDone: "UPDATE jobs SET state = 'done', finished_at = clock_timestamp() WHERE id = $1",
  markFailed:
    "UPDATE jobs SET state = 'failed', error = $2, finished_at = clock_timestamp() WHERE id = $1",
} as const;
