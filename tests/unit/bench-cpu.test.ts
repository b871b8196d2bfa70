import * as assert from "node:assert/strict";
import {
  addShares,
  CpuSnapshot,
  cpuShare,
  parseProcessTicks,
  parseProcStat,
} from "../../bench/src/cpu";

describe("bench CPU accounting", () => {
  it("reads the machine's busy and total ticks from /proc/stat (idle and iowait are not busy)", () => {
    const stat = "cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 50 2 25 400 10 1 1 0 0 0\nintr 1 2 3\n";
    assert.deepEqual(parseProcStat(stat), { busy: 160, total: 980 });
    assert.equal(parseProcStat("intr 1 2\n"), null);
  });

  it("reads utime + stime of a process, even with spaces and parentheses in its name", () => {
    const line =
      "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 12 0 99 0 0";
    assert.equal(parseProcessTicks(line), 1234 + 567);
  });

  const snapshot = (
    wallMs: number,
    busy: number,
    self: number,
    dockerd: number,
    app: number | null,
  ): CpuSnapshot => ({
    wallNs: BigInt(wallMs) * 1_000_000n,
    machine: { busy, total: busy * 2 },
    selfUs: self * 1000,
    dockerdTicks: dockerd,
    containersNs: { app: app === null ? null : app * 1e6 },
  });

  it("splits the machine's busy time into the named consumers and the rest", () => {
    const share = cpuShare(snapshot(0, 1000, 10, 50, 100), snapshot(2000, 1400, 510, 60, 1100));
    assert.equal(share.wallMs, 2000);
    assert.equal(share.cpuMs.loadGenerator, 500);
    assert.equal(share.cpuMs.dockerd, 100);
    assert.equal(share.cpuMs.containers.app, 1000);
    assert.equal(share.cpuMs.machineBusy, 4000);
    assert.equal(share.cpuMs.other, 4000 - 500 - 100 - 1000);
  });

  it("leaves a container it could not read as null and adds rounds together", () => {
    const a = cpuShare(snapshot(0, 0, 0, 0, null), snapshot(1000, 100, 100, 1, null));
    assert.equal(a.cpuMs.containers.app, null);
    const sum = addShares(addShares(null, a), a);
    assert.equal(sum.wallMs, 2000);
    assert.equal(sum.cpuMs.loadGenerator, 200);
    assert.equal(sum.cpuMs.containers.app, null);
  });
});
