/** Progress lines on stderr with the time since the benchmark started; stdout keeps the report. */
import * as os from "node:os";

const started = Date.now();

export function progress(message: string): void {
  const elapsed = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${elapsed}s] ${message}\n`);
}

/** Where a run records how long each step took and how busy the machine was when it started. */
export interface StepLog {
  stepsMs: Record<string, number>;
  loadAverages: Record<string, number>;
}

/** Runs one step, printing its start and its duration, and records both in `log`. */
export async function step<T>(log: StepLog, name: string, body: () => Promise<T>): Promise<T> {
  const load = os.loadavg()[0] ?? 0;
  log.loadAverages[name] = Math.round(load * 100) / 100;
  progress(`${name} (load average ${load.toFixed(2)}) ...`);
  const t0 = Date.now();
  try {
    return await body();
  } finally {
    log.stepsMs[name] = Date.now() - t0;
    progress(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}
