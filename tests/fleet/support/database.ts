/**
 * The fleet database as the tests read it: psql inside the PostgreSQL container (peer auth as
 * `postgres`, nothing published), and a job writer that enqueues through the load balancer.
 */
import { docker } from "../../../fleet/src/exec";
import { PG_DATABASE } from "../../../fleet/src/postgres";
import { ctx } from "./fleet";

/** Runs SQL in the fleet's database; returns psql's unaligned rows (`a|b` per line). */
export async function psql(sql: string): Promise<string[]> {
  const database = ctx().fleet.database;
  if (!database) throw new Error("the fleet has no database: run it with the current fleet code");
  const r = await docker([
    "exec",
    "-u",
    "postgres",
    database.container,
    "psql",
    "-d",
    PG_DATABASE,
    "-At",
    "-v",
    "ON_ERROR_STOP=1",
    "-c",
    sql,
  ]);
  return r.stdout.split("\n").filter((line) => line !== "");
}

/** One number from a `SELECT count(*) ...`. */
export async function count(sql: string): Promise<number> {
  const [row] = await psql(sql);
  return Number(row);
}

/** The ids as a uuid[] literal (they are UUIDs the app returned, checked before use). */
export function uuidArray(ids: string[]): string {
  for (const id of ids)
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not a job id: ${JSON.stringify(id)}`);
  return `'{${ids.join(",")}}'::uuid[]`;
}

export interface JobWriteCounts {
  /** POST /jobs sent. */
  sent: number;
  /** Ids of the jobs the app accepted (202). */
  accepted: string[];
  /** Answers other than 202, and requests that failed outright. */
  refused: number;
  errors: number;
}

/**
 * Enqueues a job through the LB every `intervalMs` until stopped (and at most `maxJobs` or
 * `maxSeconds`): bounded in count and time, 127.0.0.1 only.
 */
export function writeJobs(
  url: string,
  options: { intervalMs: number; durationMs: number; maxJobs?: number; maxSeconds?: number },
): { stop: () => Promise<JobWriteCounts> } {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url))
    throw new Error(`load only targets 127.0.0.1 (got ${url})`);
  const counts: JobWriteCounts = { sent: 0, accepted: [], refused: 0, errors: 0 };
  const deadline = Date.now() + (options.maxSeconds ?? 300) * 1000;
  const maxJobs = options.maxJobs ?? 2000;
  let stopped = false;
  const loop = (async () => {
    while (!stopped && Date.now() < deadline && counts.sent < maxJobs) {
      const started = Date.now();
      counts.sent += 1;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: `job ${counts.sent}`, durationMs: options.durationMs }),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as { id?: string };
        if (res.status === 202 && body.id) counts.accepted.push(body.id);
        else counts.refused += 1;
      } catch {
        counts.errors += 1;
      }
      await new Promise((r) =>
        setTimeout(r, Math.max(0, options.intervalMs - (Date.now() - started))),
      );
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return counts;
    },
  };
}
