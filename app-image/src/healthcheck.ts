/**
 * The image's HEALTHCHECK, for both process types (Node itself, so the image needs no curl):
 *   web:    exits 0 when GET HEALTH_PATH (default /healthz) on this container's PORT answers 200
 *           within 2 s;
 *   worker: exits 0 when the worker's heartbeat says "running" and is fresh.
 * Which one runs is read from PID 1's command line, so one HEALTHCHECK serves both.
 */
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";

function isWorker(): boolean {
  try {
    return readFileSync("/proc/1/cmdline", "utf8").includes("worker.js");
  } catch {
    return false;
  }
}

function checkWorker(): never {
  const dir = process.env.WORKER_STATE_DIR || "/tmp/berth-worker";
  const intervalMs = Number(process.env.WORKER_INTERVAL_MS) || 1000;
  try {
    const beat = JSON.parse(readFileSync(join(dir, "heartbeat.json"), "utf8")) as {
      state?: string;
      time?: string;
    };
    const ageMs = Date.now() - Date.parse(beat.time ?? "");
    process.exit(beat.state === "running" && ageMs < Math.max(3 * intervalMs, 10_000) ? 0 : 1);
  } catch {
    process.exit(1);
  }
}

function checkWeb(): void {
  const port = Number(process.env.PORT ?? "3000");
  const path = process.env.HEALTH_PATH || "/healthz";
  const request = get({ host: "127.0.0.1", port, path, timeout: 2000 }, (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
  request.on("timeout", () => request.destroy(new Error("timeout")));
  request.on("error", () => process.exit(1));
}

if (isWorker()) checkWorker();
else checkWeb();
