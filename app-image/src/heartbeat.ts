/** The worker's sign of life, read by the image's HEALTHCHECK (healthcheck.ts). */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const HEARTBEAT_FILE = "heartbeat.json";

/** Writes `<dir>/heartbeat.json` so readers see either the old beat or the whole new one. */
export async function writeHeartbeat(dir: string, fields: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const beat = { time: new Date().toISOString(), pid: process.pid, ...fields };
  const file = join(dir, HEARTBEAT_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(beat)}\n`);
  await rename(temporary, file);
}
