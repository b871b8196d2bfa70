import * as assert from "node:assert/strict";
import { rollbackAll } from "../../scripts/fleet/rollout";
import { underLoad } from "./support/load";
import {
  assertAllOn,
  figure,
  hosts,
  lbUrl,
  onHost,
  record,
  servedDigests,
  statuses,
} from "./support/fleet";

describe("fleet: rollback", () => {
  it("serves the previous release from the cached image, without a pull, under load", async () => {
    const current = (await statuses())[0]!.image;
    await assertAllOn(current);
    const history = await onHost(0, "sudo -n tail -n 5 /var/lib/berth/berth-demo-local/history");
    assert.ok(history.stdout.trim().split("\n").length >= 2, "no previous release on host-1");

    const { result, load } = await underLoad(lbUrl("/"), () =>
      rollbackAll(hosts(), "berth-demo", "local"),
    );
    result.forEach(record);
    figure("rollback requests", load);
    for (const r of result) {
      assert.equal(r.exitCode, 0, r.error ?? "");
      assert.equal(r.summary?.outcome, "rolled-back");
      assert.equal(r.summary?.pulled, false, `${r.host} pulled during rollback`);
      assert.equal(r.summary?.durationsMs.pull, undefined);
      assert.match(r.stderr, /from the cached image \(no pull\)/);
      figure(`rollback ${r.host} (ms)`, { total: r.ms, phases: r.summary?.durationsMs });
    }
    assert.equal(result.length, 3);
    assert.equal(
      load.errors + load.timeouts + load.non2xx,
      0,
      "requests failed during the rollback",
    );
    const previous = result[0]!.summary!.image;
    assert.notEqual(previous, current);
    await assertAllOn(previous);
    assert.deepEqual(await servedDigests(), new Set([previous]));
  });
});
