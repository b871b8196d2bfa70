import * as assert from "node:assert/strict";
import { blockSshArgs } from "../../fleet/src/commands";
import { docker } from "../../fleet/src/exec";
import { underLoad } from "./support/load";
import {
  assertNoFailedRequests,
  convergedRelease,
  deploy,
  figure,
  hosts,
  lbUrl,
  newRelease,
  refreshFleet,
  settings,
  specFor,
  statusOf,
} from "./support/fleet";

describe("fleet: a host that becomes unreachable mid-rollout", () => {
  let current = "";
  let next = "";

  before(async () => {
    current = await convergedRelease("unreachable-base");
  });

  after(async () => {
    await docker(blockSshArgs(settings.prefix, 2, false), { allowFail: true });
    // Converge again so the next specification starts from one release everywhere.
    if (next) assert.equal((await deploy(specFor(next))).ok, true);
  });

  it("stops the rollout with a clear error; host-1 is switched back, the others keep the old release; the LB keeps serving", async () => {
    next = await newRelease("v3");
    const { result, load } = await underLoad(lbUrl("/"), () =>
      deploy(specFor(next), {
        afterBatch: async (done) => {
          if (done.includes("host-1")) await docker(blockSshArgs(settings.prefix, 2, true));
        },
      }),
    );
    figure("rollout with host-2 unreachable: requests", load);
    assert.equal(result.ok, false);
    assert.match(result.error ?? "", /host-2: unreachable over SSH: /);
    assert.match(result.error ?? "", /switched back: host-1/);
    assert.match(result.error ?? "", /not touched: host-3/);
    assert.deepEqual(result.untouched, ["host-3"]);
    await assertNoFailedRequests(load, "through the LB");

    assert.equal(hosts().length, 3);
    await docker(blockSshArgs(settings.prefix, 2, false));
    await refreshFleet();
    // host-1 took the release, then went back with the rest of the rollout: one release everywhere.
    assert.equal((await statusOf(0)).image, current);
    assert.equal((await statusOf(2)).image, current);
    const host2 = await statusOf(1);
    assert.equal(host2.image, current);
    assert.equal(host2.healthy, true);
  });
});
