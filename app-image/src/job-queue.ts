/**
 * A small job queue in a directory, safe for several workers sharing it:
 *   incoming/<name>.json   a job: {"text": "..."}; write it elsewhere and rename it in
 *   processing/<name>.json claimed by one worker (the rename is the lock)
 *   done/<name>.json       the job and its result: sha256, word and character counts
 *   failed/<name>.json     the job's raw text and the reason it failed
 *   heartbeat.json         the worker's last sign of life
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const QUEUE_SUBDIRS = ["incoming", "processing", "done", "failed"] as const;

export interface JobResult {
  sha256: string;
  words: number;
  characters: number;
}

export type JobOutcome =
  { job: string; ok: true; result: JobResult } | { job: string; ok: false; error: string };

/** The work itself, pure: a job file's contents in, its result out; throws on a malformed job. */
export function runJob(contents: string): JobResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(contents);
  } catch {
    throw new Error("job is not valid JSON");
  }
  const text = (parsed as { text?: unknown } | null)?.text;
  if (typeof text !== "string") throw new Error('job must be an object with a string "text"');
  const trimmed = text.trim();
  return {
    sha256: createHash("sha256").update(text).digest("hex"),
    words: trimmed === "" ? 0 : trimmed.split(/\s+/).length,
    characters: [...text].length,
  };
}

export async function ensureQueueDirs(root: string): Promise<void> {
  for (const sub of QUEUE_SUBDIRS) await mkdir(join(root, sub), { recursive: true });
}

/** Writes a file so readers see either nothing or the whole of it. */
async function writeAtomically(path: string, contents: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

/** Claims and runs up to `limit` waiting jobs, oldest name first; returns what happened to each. */
export async function processPending(
  root: string,
  release: string,
  limit: number,
): Promise<JobOutcome[]> {
  const names = (await readdir(join(root, "incoming")))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .slice(0, limit);
  const outcomes: JobOutcome[] = [];
  for (const name of names) {
    const claimed = join(root, "processing", name);
    try {
      await rename(join(root, "incoming", name), claimed);
    } catch {
      continue; // another worker claimed it first
    }
    const contents = await readFile(claimed, "utf8");
    try {
      const result = runJob(contents);
      const record = { job: name, release, finishedAt: new Date().toISOString(), result };
      await writeAtomically(join(root, "done", name), `${JSON.stringify(record)}\n`);
      outcomes.push({ job: name, ok: true, result });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const record = {
        job: name,
        release,
        failedAt: new Date().toISOString(),
        error: message,
        contents,
      };
      await writeAtomically(join(root, "failed", name), `${JSON.stringify(record)}\n`);
      outcomes.push({ job: name, ok: false, error: message });
    }
    await rm(claimed, { force: true });
  }
  return outcomes;
}

export async function writeHeartbeat(root: string, fields: Record<string, unknown>): Promise<void> {
  const beat = { time: new Date().toISOString(), pid: process.pid, ...fields };
  await writeAtomically(join(root, "heartbeat.json"), `${JSON.stringify(beat)}\n`);
}
