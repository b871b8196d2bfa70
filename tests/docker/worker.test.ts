import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { docker, dockerResult, waitFor, waitForExit } from "../support/docker";
import { APP_IMAGE, buildImages, execNode, jsonLogs, processUids, RUN_PREFIX } from "./fixture";

const QUEUE = "/tmp/queue";

describe("the worker process (same image, `node dist/worker.js`)", function () {
  const name = `${RUN_PREFIX}-worker`;
  const scratch = mkdtempSync(path.join(tmpdir(), "berth-worker-"));

  /** Drops a job into the queue the way a producer should: write elsewhere, rename in. */
  async function enqueue(job: string, contents: string): Promise<void> {
    await execNode(
      name,
      `const fs = require("fs");
       const [part, target] = process.argv.slice(1);
       fs.writeFileSync(part, fs.readFileSync(0));
       fs.renameSync(part, target);`,
      [`${QUEUE}/${job}.part`, `${QUEUE}/incoming/${job}`],
      contents,
    );
  }

  async function readQueueFile(file: string): Promise<Record<string, unknown> | undefined> {
    const result = await execNode(
      name,
      `try { process.stdout.write(require("fs").readFileSync(process.argv[1], "utf8")); } catch {}`,
      [`${QUEUE}/${file}`],
    );
    return result ? (JSON.parse(result) as Record<string, unknown>) : undefined;
  }

  before(async function () {
    this.timeout(900_000);
    const { appId } = await buildImages();
    await docker([
      "run",
      "--detach",
      "--name",
      name,
      "--env",
      "APP_RELEASE=worker-release-1",
      "--env",
      `APP_DIGEST=${appId}`,
      "--env",
      `WORKER_QUEUE_DIR=${QUEUE}`,
      "--env",
      "WORKER_INTERVAL_MS=200",
      APP_IMAGE,
      "node",
      "dist/worker.js",
    ]);
  });

  after(async function () {
    await docker(["rm", "--force", name]).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("writes a heartbeat while it runs", async function () {
    const beat = await waitFor("a heartbeat", () => readQueueFile("heartbeat.json"));
    assert.equal(beat.state, "running");
    assert.equal(beat.release, "worker-release-1");
  });

  it("runs the jobs put in its queue, and sets malformed ones aside with the reason", async function () {
    const text = "ship it  to every host";
    await enqueue("001-count.json", JSON.stringify({ text }));
    await enqueue("002-broken.json", "{not json");

    const done = await waitFor("job 001 to be done", () => readQueueFile("done/001-count.json"));
    assert.deepEqual(done.result, {
      sha256: createHash("sha256").update(text).digest("hex"),
      words: 5,
      characters: text.length,
    });
    assert.equal(done.release, "worker-release-1");
    const failed = await waitFor("job 002 to fail", () => readQueueFile("failed/002-broken.json"));
    assert.equal(failed.error, "job is not valid JSON");
    assert.equal(failed.contents, "{not json");

    const left = await execNode(
      name,
      `const fs = require("fs");
       for (const dir of process.argv.slice(1)) console.log(fs.readdirSync(dir).join("\\n"));`,
      [`${QUEUE}/incoming`, `${QUEUE}/processing`],
    );
    assert.doesNotMatch(left, /\.json/);
    const logs = await jsonLogs(name);
    assert.ok(logs.some((line) => line.msg === "job done" && line.job === "001-count.json"));
    assert.ok(logs.some((line) => line.msg === "job failed" && line.job === "002-broken.json"));
  });

  it("passes the image's HEALTHCHECK, which checks the heartbeat for a worker", async function () {
    const check = await dockerResult(["exec", name, "node", "dist/healthcheck.js"]);
    assert.equal(check.code, 0);
    // The same check against a queue directory without a heartbeat fails.
    const broken = await dockerResult([
      "exec",
      "--env",
      "WORKER_QUEUE_DIR=/tmp/no-worker-here",
      name,
      "node",
      "dist/healthcheck.js",
    ]);
    assert.equal(broken.code, 1);
  });

  it("runs as non-root", async function () {
    const uids = await processUids(name);
    assert.ok(uids.length >= 4 && uids.every((uid) => uid === 1000), `uids ${uids}`);
  });

  it("stops cleanly on SIGTERM: exit 0, before the stop timeout, a final heartbeat", async function () {
    await docker(["stop", "--time", "10", name]);
    // 0: it exited by itself (docker's SIGKILL after the stop timeout would make it 137).
    assert.equal(await waitForExit(name), 0);

    await docker(["cp", `${name}:${QUEUE}/heartbeat.json`, scratch]);
    const beat = JSON.parse(readFileSync(path.join(scratch, "heartbeat.json"), "utf8")) as Record<
      string,
      unknown
    >;
    assert.equal(beat.state, "stopped");
    assert.equal(beat.processed, 1);
    assert.equal(beat.failed, 1);
    const messages = (await jsonLogs(name)).map((line) => line.msg);
    assert.deepEqual(messages.slice(-2), ["stopping", "worker stopped"]);
  });
});
