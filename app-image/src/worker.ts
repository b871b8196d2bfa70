/**
 * The background worker: `node dist/worker.js`, same image as the web process.
 *
 * Every WORKER_INTERVAL_MS it writes a heartbeat and runs the jobs waiting in WORKER_QUEUE_DIR
 * (see job-queue.ts), logging each one. SIGTERM lets the current batch finish, writes a final
 * "stopped" heartbeat and exits 0; SHUTDOWN_TIMEOUT_MS bounds that with exit code 1.
 */
import { loadConfigOrExit, readWorkerConfig } from "./config";
import { ensureQueueDirs, processPending, writeHeartbeat } from "./job-queue";
import { errorFields, log } from "./log";

const BATCH_SIZE = 50;

const config = loadConfigOrExit(readWorkerConfig);
let stopping = false;
let wake: (() => void) | undefined;
let processed = 0;
let failed = 0;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

async function tick(): Promise<void> {
  for (const outcome of await processPending(config.queueDir, config.release, BATCH_SIZE)) {
    if (outcome.ok) {
      processed += 1;
      log("info", "job done", { job: outcome.job, ...outcome.result });
    } else {
      failed += 1;
      log("warn", "job failed", { job: outcome.job, error: outcome.error });
    }
  }
  await writeHeartbeat(config.queueDir, {
    state: "running",
    release: config.release,
    processed,
    failed,
  });
}

async function main(): Promise<void> {
  await ensureQueueDirs(config.queueDir);
  log("info", "worker started", {
    release: config.release,
    digest: config.digest,
    queueDir: config.queueDir,
    intervalMs: config.intervalMs,
  });
  while (!stopping) {
    try {
      await tick();
    } catch (error) {
      log("error", "worker tick failed", errorFields(error));
    }
    if (!stopping) await pause(config.intervalMs);
  }
  await writeHeartbeat(config.queueDir, {
    state: "stopped",
    release: config.release,
    processed,
    failed,
  });
  log("info", "worker stopped", { processed, failed });
}

function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  log("info", "stopping", { signal, shutdownTimeoutMs: config.shutdownTimeoutMs });
  setTimeout(() => {
    log("warn", "shutdown timeout reached, exiting", {
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  wake?.();
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
