import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ensureQueueDirs,
  processPending,
  runJob,
  writeHeartbeat,
} from "../../app-image/src/job-queue";

describe("the worker's job queue", function () {
  let root: string;

  beforeEach(async function () {
    root = mkdtempSync(path.join(tmpdir(), "berth-queue-"));
    await ensureQueueDirs(root);
  });

  afterEach(function () {
    rmSync(root, { recursive: true, force: true });
  });

  it("runJob counts words and characters and hashes the text", function () {
    assert.deepEqual(runJob(JSON.stringify({ text: "  héllo   wörld " })), {
      sha256: createHash("sha256").update("  héllo   wörld ").digest("hex"),
      words: 2,
      characters: 16,
    });
    assert.equal(runJob(JSON.stringify({ text: "   " })).words, 0);
  });

  it("runJob rejects what is not a job, saying why", function () {
    assert.throws(() => runJob("{"), /job is not valid JSON/);
    assert.throws(() => runJob("null"), /string "text"/);
    assert.throws(() => runJob(JSON.stringify({ text: 3 })), /string "text"/);
  });

  it("processes waiting jobs oldest first: results to done/, bad jobs to failed/, nothing left behind", async function () {
    writeFileSync(path.join(root, "incoming", "b.json"), "not json");
    writeFileSync(path.join(root, "incoming", "a.json"), JSON.stringify({ text: "one two" }));
    writeFileSync(path.join(root, "incoming", "c.partial"), "ignored: not a .json name");

    const outcomes = await processPending(root, "r7", 10);

    assert.deepEqual(
      outcomes.map((o) => [o.job, o.ok]),
      [
        ["a.json", true],
        ["b.json", false],
      ],
    );
    const done = JSON.parse(readFileSync(path.join(root, "done", "a.json"), "utf8")) as {
      release: string;
      result: { words: number };
    };
    assert.equal(done.release, "r7");
    assert.equal(done.result.words, 2);
    const failed = JSON.parse(readFileSync(path.join(root, "failed", "b.json"), "utf8")) as {
      error: string;
    };
    assert.equal(failed.error, "job is not valid JSON");
    assert.deepEqual(readdirSync(path.join(root, "incoming")), ["c.partial"]);
    assert.deepEqual(readdirSync(path.join(root, "processing")), []);
  });

  it("takes at most `limit` jobs per call", async function () {
    for (const name of ["1.json", "2.json", "3.json"]) {
      writeFileSync(path.join(root, "incoming", name), JSON.stringify({ text: name }));
    }
    assert.equal((await processPending(root, "r1", 2)).length, 2);
    assert.deepEqual(readdirSync(path.join(root, "incoming")), ["3.json"]);
  });

  it("two workers sharing a queue never run the same job twice", async function () {
    for (let i = 0; i < 40; i += 1) {
      writeFileSync(
        path.join(root, "incoming", `${String(i).padStart(2, "0")}.json`),
        JSON.stringify({ text: `job ${i}` }),
      );
    }
    const [first, second] = await Promise.all([
      processPending(root, "r1", 100),
      processPending(root, "r1", 100),
    ]);
    const jobs = [...first!, ...second!].map((o) => o.job);
    assert.equal(jobs.length, 40);
    assert.equal(new Set(jobs).size, 40);
    assert.equal(readdirSync(path.join(root, "done")).length, 40);
  });

  it("writes the heartbeat as one whole JSON document", async function () {
    await writeHeartbeat(root, { state: "running", processed: 3 });
    const beat = JSON.parse(readFileSync(path.join(root, "heartbeat.json"), "utf8")) as Record<
      string,
      unknown
    >;
    assert.equal(beat.state, "running");
    assert.equal(beat.processed, 3);
    assert.equal(beat.pid, process.pid);
    assert.deepEqual(
      readdirSync(root).filter((name) => name.endsWith(".tmp")),
      [],
    );
  });
});
