import * as assert from "node:assert/strict";
import { underLoad } from "./support/load";
import {
  assertNoFailedRequests,
  STATE,
  assertAllOn,
  convergedRelease,
  deploy,
  figure,
  hosts,
  lbUrl,
  newRelease,
  onHost,
  rollback,
  servedDigests,
  specFor,
} from "./support/fleet";

describe("fleet: rollback", () => {
  it("serves the previous release from the cached image, without a pull, under load", async () => {
    // Two releases in every host's history, so there is a previous one to go back to.
    await convergedRelease("rollback-previous");
    const current = await newRelease("rollback-current");
    const rolled = await deploy(specFor(current));
    assert.equal(rolled.ok, true, rolled.error ?? "");
    await assertAllOn(current);
    // Each host's previous release: the last one in its history that is not the current one.
    const expected: string[] = [];
    for (let i = 0; i < hosts().length; i++) {
      const history = await onHost(i, `sudo -n cat ${STATE}/history`);
      const releases = history.stdout.trim().split("\n");
      const previous = releases.reverse().find((r) => r !== releases[0]);
      assert.ok(previous, `no previous release on host-${i + 1}`);
      expected.push(previous);
    }

    const { result: rolledBack, load } = await underLoad(lbUrl("/"), () => rollback());
    assert.equal(rolledBack.ok, true, rolledBack.error ?? "");
    const result = rolledBack.results;
    figure("rollback requests", load);
    figure("rollback, every host at once (ms)", rolledBack.ms);
    for (const r of result) {
      assert.equal(r.exitCode, 0, r.error ?? "");
      assert.equal(r.summary?.outcome, "rolled-back");
      assert.equal(r.summary?.pulled, false, `${r.host} pulled during rollback`);
      assert.equal(r.summary?.durationsMs.pull, undefined);
      assert.match(r.stderr, /from the cached image \(no pull/);
      figure(`rollback ${r.host} (ms)`, { total: r.ms, phases: r.summary?.durationsMs });
    }
    assert.equal(result.length, 3);
    await assertNoFailedRequests(load, "during the rollback");
    assert.deepEqual(
      result.map((r) => r.summary?.release),
      expected,
    );
    const previous = result[0]!.summary!.image;
    assert.notEqual(previous, current);
    // Every host ran the same releases in the same order, so they all go back to the same one.
    await assertAllOn(previous);
    assert.deepEqual(await servedDigests(), new Set([previous]));
  });
});
