/**
 * The background worker: `node dist/worker.js`, same image as the web process.
 *
 * It takes jobs from the Postgres queue one at a time (job-store.ts) and writes a heartbeat
 * between them; an empty queue is polled every WORKER_INTERVAL_MS. Without DATABASE_URL there is
 * no queue: it only writes its heartbeat. SIGTERM abandons the job in hand (its transaction rolls
 * back, so another worker takes it again), writes a final "stopped" heartbeat and exits 0;
 * SHUTDOWN_TIMEOUT_MS bounds that with exit code 1.
 */
import { loadConfigOrExit, readWorkerConfig } from "./config";
import { createPool, readDatabaseConfig } from "./database";
import { writeHeartbeat } from "./heartbeat";
import { takeAndRunJob } from "./job-store";
import { errorFields, log } from "./log";

const config = loadConfigOrExit(readWorkerConfig);
const database = loadConfigOrExit((env) => readDatabaseConfig(env));
// One job at a time needs two connections: the job's transaction and its attempt record.
const pool = database ? createPool({ ...database, poolMax: 2 }, "berth-worker") : null;
const stopping = new AbortController();
const counts = { processed: 0, failed: 0, interrupted: 0 };

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stopping.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Runs jobs until the queue is empty or the worker stops. */
async function drainQueue(): Promise<void> {
  while (pool && !stopping.signal.aborted) {
    const taken = await takeAndRunJob(pool, config.release, stopping.signal);
    if (!taken) return;
    if (taken.outcome === "done") {
      counts.processed += 1;
      log("info", "job done", { job: taken.job, ...taken.result });
    } else if (taken.outcome === "failed") {
      counts.failed += 1;
      log("warn", "job failed", { job: taken.job, error: taken.error });
    } else {
      counts.interrupted += 1;
      log("info", "job interrupted: rolled back, queued for another worker", { job: taken.job });
    }
  }
}

// One write at a time: the timer's beat never lands after the final "stopped" one.
let beating: Promise<void> = Promise.resolve();
const beat = (state: "running" | "stopped") =>
  (beating = beating
    .catch(() => undefined)
    .then(() => writeHeartbeat(config.stateDir, { state, release: config.release, ...counts })));

async function main(): Promise<void> {
  log("info", "worker started", {
    release: config.release,
    digest: config.digest,
    queue: pool ? "postgres" : "none (DATABASE_URL is not set)",
    intervalMs: config.intervalMs,
  });
  // On a timer, not between jobs: a long job must not make the HEALTHCHECK think the worker hangs.
  await beat("running");
  const heartbeat = setInterval(
    () => {
      beat("running").catch((error: unknown) =>
        log("warn", "heartbeat failed", errorFields(error)),
      );
    },
    Math.min(config.intervalMs, 3000),
  );
  while (!stopping.signal.aborted) {
    try {
      await drainQueue();
    } catch (error) {
      log("error", "job queue unavailable", errorFields(error));
    }
    if (!stopping.signal.aborted) await pause(config.intervalMs);
  }
  clearInterval(heartbeat);
  await pool?.end();
  await beat("stopped");
  log("info", "worker stopped", counts);
}

function stop(signal: NodeJS.Signals): void {
  if (stopping.signal.aborted) return;
  log("info", "stopping", { signal, shutdownTimeoutMs: config.shutdownTimeoutMs });
  setTimeout(() => {
    log("warn", "shutdown timeout reached, exiting", {
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  stopping.abort();
}

process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log("error", "worker failed", errorFields(error));
    process.exit(1);
  },
);
