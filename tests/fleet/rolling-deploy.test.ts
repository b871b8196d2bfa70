import * as assert from "node:assert/strict";
import { underLoad } from "./support/load";
import {
  assertNoFailedRequests,
  assertAllOn,
  deploy,
  figure,
  lbUrl,
  newRelease,
  servedDigests,
  specFor,
  statuses,
} from "./support/fleet";

describe("fleet: a rolling deploy over SSH", () => {
  let v1 = "";
  let v2 = "";

  it("first deploy: every host runs the release and the LB serves it", async () => {
    v1 = await newRelease("v1");
    const result = await deploy(
      specFor(v1, { releaseCommand: ["node", "-e", "console.log('migrated')"] }),
    );
    assert.equal(result.ok, true, result.error ?? "");
    for (const r of result.results) {
      assert.equal(r.summary?.outcome, "deployed");
      assert.equal(r.summary?.pulled, true);
      figure(`first deploy ${r.host} phases (ms)`, r.summary?.durationsMs);
    }
    figure("first deploy, 3 hosts, total (ms)", result.ms);
    // The release command ran once in the rollout: on the first host only.
    assert.match(result.results[0]!.stderr, /release phase: running .*\nmigrated/);
    for (const r of result.results.slice(1)) {
      assert.match(r.stderr, /release phase: skipped here/);
      assert.doesNotMatch(r.stderr, /migrated/);
    }
    await assertAllOn(v1);
    assert.deepEqual(await servedDigests(), new Set([v1]));
  });

  it("a new digest reaches every host under load with 0 failed or non-2xx requests; old containers are gone", async () => {
    v2 = await newRelease("v2");
    const before = await statuses();
    const { result, load } = await underLoad(lbUrl("/"), () => deploy(specFor(v2)));
    assert.equal(result.ok, true, result.error ?? "");
    figure("rolling deploy, 3 hosts, total (ms)", result.ms);
    for (const r of result.results)
      figure(`rolling deploy ${r.host} phases (ms)`, r.summary?.durationsMs);
    figure("requests during the rollout", load);
    assert.ok(load.sent > 100, `too little load to prove anything (${load.sent} requests)`);
    await assertNoFailedRequests(load, "during the rollout");

    const after = await assertAllOn(v2);
    assert.deepEqual(await servedDigests(), new Set([v2]));
    for (const s of after) {
      const old = before.find((b) => b.host === s.host)!;
      const oldIds = new Set(old.containers.filter((c) => c.role !== "proxy").map((c) => c.id));
      const stillRunning = s.containers.filter((c) => oldIds.has(c.id) && c.state === "running");
      assert.deepEqual(stillRunning, [], `${s.host}: old containers still run`);
      const running = s.containers.filter((c) => c.state === "running" && c.role !== "proxy");
      assert.ok(
        running.every((c) => c.image === v2),
        `${s.host}: something other than v2 runs`,
      );
    }
  });

  it("the same digest and config again changes nothing (container ids unchanged)", async () => {
    const before = await statuses();
    const result = await deploy(specFor(v2));
    assert.equal(result.ok, true, result.error ?? "");
    for (const r of result.results) assert.equal(r.summary?.outcome, "unchanged");
    figure("no-op deploy, 3 hosts, total (ms)", result.ms);
    const after = await statuses();
    const ids = (all: typeof before) =>
      all.map((s) =>
        s.containers
          .filter((c) => c.state === "running")
          .map((c) => c.id)
          .sort(),
      );
    assert.deepEqual(ids(after), ids(before));
  });
});
