import * as assert from "node:assert/strict";
import { parsePullEvents, splitPull } from "../../bench/src/coldhost";
import { coldHostSection, scalingSection } from "../../bench/src/markdown";
import type { ColdHostFigures, ScalingFigures } from "../../bench/src/results";
import {
  batchCount,
  batchDurations,
  median,
  fitLine,
  MeasuredPoint,
  projectRollouts,
  scaleFlags,
  scalePoints,
  scalingFit,
} from "../../bench/src/scaling";
import { checkTargets, coldHostChecks, lineText, scalingChecks } from "../../bench/src/targets";

const APP = "berth-bench-registry:5000/berth/app@sha256:" + "a".repeat(64);
const PROXY = "berth-bench-registry:5000/berth/nginx@sha256:" + "b".repeat(64);

describe("bench: how a rollout grows", () => {
  it("fits the least-squares line through the points", () => {
    const fit = fitLine([
      { x: 1, y: 5 },
      { x: 2, y: 7 },
      { x: 3, y: 9 },
    ]);
    assert.ok(fit);
    assert.equal(fit.points, 3);
    assert.ok(Math.abs(fit.slope - 2) < 1e-9);
    assert.ok(Math.abs(fit.intercept - 3) < 1e-9);
    assert.equal(fit.r2, 1);
    const noisy = fitLine([
      { x: 0, y: 1 },
      { x: 0, y: 3 },
      { x: 2, y: 5 },
      { x: 2, y: 7 },
    ]);
    assert.deepEqual(noisy && [noisy.intercept, noisy.slope], [2, 2]);
    assert.ok(noisy?.r2 != null && Math.abs(noisy.r2 - 0.8) < 1e-9);
  });

  it("gives no line without two distinct x, and no r² when every y is the same", () => {
    assert.equal(fitLine([]), null);
    assert.equal(fitLine([{ x: 3, y: 1 }]), null);
    assert.equal(
      fitLine([
        { x: 3, y: 1 },
        { x: 3, y: 2 },
      ]),
      null,
    );
    assert.equal(
      fitLine([
        { x: 1, y: 4 },
        { x: 2, y: 4 },
      ])?.r2,
      null,
    );
  });

  it("counts batches as the rollout plan makes them: host-1 alone first with a release command", () => {
    assert.equal(batchCount(3, 1, true), 3);
    assert.equal(batchCount(3, 3, true), 2);
    assert.equal(batchCount(6, 3, true), 3);
    assert.equal(batchCount(10, 3, true), 4);
    assert.equal(batchCount(10, 3, false), 4);
    assert.equal(batchCount(9, 3, false), 3);
    assert.equal(batchCount(100, 3, true), 34);
    assert.equal(batchCount(100, 1, true), 100);
  });

  it("takes a batch's wall time from its slowest host", () => {
    assert.deepEqual(batchDurations([5, 7, 6, 9, 4, 8], [1, 3, 2]), [5, 9, 8]);
    // A failed rollout stops after its failing batch: later batches have no hosts.
    assert.deepEqual(batchDurations([5, 7], [1, 3, 3]), [5, 7]);
    assert.deepEqual([median([3, 1, 2]), median([4, 1, 3, 2]), median([])], [2, 2.5, null]);
  });

  it("measures 3, 6 and 10 hosts at batch sizes 1 and 3 by default", () => {
    assert.deepEqual(
      scalePoints().map((p) => `${p.hosts}x${p.batchSize}`),
      ["3x1", "3x3", "6x1", "6x3", "10x1", "10x3"],
    );
  });

  it("--hosts keeps sizing the bench fleet; --batch-size narrows the section to that one point", () => {
    assert.deepEqual(scaleFlags("3", undefined), { hosts: 3, points: scalePoints() });
    assert.deepEqual(scaleFlags("6", undefined).hosts, 6);
    assert.deepEqual(scaleFlags("10", "3"), { hosts: 10, points: [{ hosts: 10, batchSize: 3 }] });
    assert.deepEqual(scaleFlags("4", "1").points, [{ hosts: 4, batchSize: 1 }]);
  });

  it("rejects a bad --hosts or --batch-size, naming the flag and the value", () => {
    for (const bad of ["0", "11", "2.5", "two", ""])
      assert.throws(
        () => scaleFlags(bad, undefined),
        new RegExp(`^Error: --hosts must be a whole number from 1 to 10 \\(got "${bad}"\\)$`),
      );
    for (const bad of ["0", "-1", "1.5", "x", "11"])
      assert.throws(
        () => scaleFlags("3", bad),
        new RegExp(`^Error: --batch-size must be a whole number from 1 to 10 \\(got "${bad}"\\)$`),
      );
  });

  const point = (hosts: number, batchSize: number, totalMs: number, ok = true): MeasuredPoint => ({
    hosts,
    batchSize,
    batches: batchCount(hosts, batchSize, true),
    totalMs,
    ok,
  });

  it("fits total = a + b × batches over every point that succeeded, and per batch size", () => {
    // 4 s per batch of one host, 5 s per batch of three, 1 s fixed.
    const points = [
      point(3, 1, 13_000),
      point(3, 3, 1_000 + 4_000 + 5_000),
      point(6, 1, 25_000),
      point(6, 3, 1_000 + 4_000 + 2 * 5_000),
      point(10, 1, 41_000),
      point(10, 3, 1_000 + 4_000 + 3 * 5_000),
      point(10, 3, 99_000, false),
    ];
    const fit = scalingFit(points);
    assert.equal(fit.all?.points, 6);
    assert.deepEqual(
      fit.byBatchSize.map((f) => [f.batchSize, Math.round(f.fit?.slope ?? 0)]),
      [
        [1, 4000],
        [3, 5000],
      ],
    );
    assert.deepEqual(projectRollouts(fit), [
      { hosts: 100, batchSize: 1, batches: 100, totalMs: 401_000 },
      // The batch-size-3 points lie on 5 s × batches (host-1's batch costs 5 s too here).
      { hosts: 100, batchSize: 3, batches: 34, totalMs: 170_000 },
    ]);
  });

  it("projects nothing for a batch size measured at one fleet size only", () => {
    const fit = scalingFit([point(6, 3, 15_000)]);
    assert.equal(fit.all, null);
    assert.deepEqual(projectRollouts(fit), [
      { hosts: 100, batchSize: 3, batches: 34, totalMs: null },
    ]);
  });
});

describe("bench: what a cold host pulls", () => {
  it("reads the engine's pull events", () => {
    assert.deepEqual(
      parsePullEvents(`1700000000123456789 ${APP}\n\ngarbage\n1700000001000000000 ${PROXY}\n`),
      [
        { atMs: 1700000000123.4568, id: APP },
        { atMs: 1700000001000, id: PROXY },
      ],
    );
  });

  it("splits the pull phase at the app image's event: the proxy's share runs from there to its own", () => {
    const events = [
      { atMs: 10_000, id: APP },
      { atMs: 10_400.4, id: PROXY },
    ];
    assert.deepEqual(splitPull(3_000, events, APP, PROXY), {
      appPullMs: 2_600,
      proxyPullMs: 400,
    });
    // Events name an image by its digest (a familiar name may drop the registry).
    const short = events.map((e) => ({ ...e, id: e.id.replace(/^[^/]+\//, "") }));
    assert.equal(splitPull(3_000, short, APP, PROXY).proxyPullMs, 400);
  });

  it("gives no split when an event is missing or out of order", () => {
    const none = { appPullMs: null, proxyPullMs: null };
    assert.deepEqual(splitPull(3_000, [{ atMs: 1, id: APP }], APP, PROXY), none);
    assert.deepEqual(splitPull(null, [], APP, PROXY), none);
    assert.deepEqual(
      splitPull(
        3_000,
        [
          { atMs: 5, id: APP },
          { atMs: 1, id: PROXY },
        ],
        APP,
        PROXY,
      ),
      none,
    );
  });
});

const scaling: ScalingFigures = {
  bakeSeconds: 0,
  points: [
    {
      hosts: 3,
      batchSize: 1,
      batches: 3,
      batchHosts: [1, 1, 1],
      image: APP,
      totalMs: 12_000,
      perBatchMs: 4_000,
      batchMs: [4_100, 3_900, 4_000],
      hostWallMs: [4_100, 3_900, 4_000],
      loadAverage: 1.5,
      ok: true,
      error: null,
    },
    {
      hosts: 3,
      batchSize: 3,
      batches: 2,
      batchHosts: [1, 2],
      image: APP,
      totalMs: 9_000,
      perBatchMs: 4_500,
      batchMs: [4_000, 5_000],
      hostWallMs: [4_000, 5_000, 4_900],
      loadAverage: 2,
      ok: false,
      error: "host-2: agent failed (unhealthy): web did not answer",
    },
  ],
  fit: { intercept: 1_000, slope: 3_500, r2: 0.97, points: 6 },
  fitByBatchSize: [
    { batchSize: 1, fit: { intercept: 0, slope: 4_000, r2: 0.99, points: 3 } },
    { batchSize: 3, fit: null },
  ],
  projection: [
    { hosts: 100, batchSize: 1, batches: 100, totalMs: 400_000 },
    { hosts: 100, batchSize: 3, batches: 34, totalMs: null },
  ],
};

const cold: ColdHostFigures = {
  app: { reference: APP, compressedBytes: 40_200_000, layers: 9, sizeBytes: 116_800_000 },
  proxy: { reference: PROXY, compressedBytes: 5_000_000, layers: 3, sizeBytes: 13_200_000 },
  hosts: [
    {
      host: "host-1",
      imagesBefore: 0,
      releaseCommand: true,
      pullMs: 3_500,
      appPullMs: 3_100,
      proxyPullMs: 400,
      servingAfterMs: 6_400,
      wallMs: 7_000,
      receivedBytes: 45_900_000,
      phasesMs: { pull: 3_500, release: 450 },
    },
    {
      host: "host-2",
      imagesBefore: 0,
      releaseCommand: false,
      pullMs: 3_100,
      appPullMs: null,
      proxyPullMs: null,
      servingAfterMs: 5_200,
      wallMs: 6_000,
      receivedBytes: 45_920_000,
      phasesMs: { pull: 3_100 },
    },
  ],
};

describe("bench report: scaling and cold host", () => {
  it("writes a negative intercept as a minus, not '+ -'", () => {
    const text = lineText({ slope: 7.79e3, intercept: -7.79e3, r2: 0.98, points: 3 });
    assert.equal(text, "7.79 s per batch - 7.79 s (3 points, r² 0.98)");
  });

  it("reports every scaling figure with 'reported' as its target", () => {
    const checks = scalingChecks(scaling);
    assert.deepEqual(
      checks.map((c) => [c.target, c.met]),
      [
        ["reported", null],
        ["reported", null],
        ["reported", null],
      ],
    );
    assert.match(
      checks[0]?.value ?? "",
      /^3 hosts: 12\.00 s at batch size 1 \(3 batches\), FAILED at batch size 3 \(2 batches\)$/,
    );
    assert.match(
      checks[1]?.value ?? "",
      /all points: 3\.50 s per batch \+ 1\.00 s \(6 points, r² 0\.97\)/,
    );
    assert.match(checks[1]?.value ?? "", /batch size 3: no line/);
    assert.equal(
      checks[2]?.value,
      "batch size 1: 100 batches, 400.00 s; batch size 3: 34 batches, no line",
    );
  });

  it("reports the cold host's bytes and seconds as ranges over the hosts", () => {
    const [bytes, seconds] = coldHostChecks(cold);
    assert.equal(
      bytes?.value,
      "app 40.2 MB compressed in 9 layers (116.8 MB unpacked), nginx 5.0 MB compressed in 3 layers (13.2 MB unpacked); " +
        "each host received 45.9 MB during the first deploy",
    );
    assert.equal(
      seconds?.value,
      "pull 3.10 s to 3.50 s (app 3.10 s, nginx 0.40 s); serving 5.20 s to 6.40 s after its deploy started, " +
        "over 2 brand-new host(s) (host-1 also ran the release command)",
    );
  });

  it("says 'not measured' for parts that did not run, in checkTargets too", () => {
    const names = checkTargets({
      rolloutTraffic: null,
      rollout: null,
      rollback: null,
      nginx: null,
      image: null,
    })
      .filter((c) => /rollout time by fleet|per-batch cost|100 hosts|cold host/.test(c.name))
      .map((c) => c.value);
    assert.deepEqual(names, Array(5).fill("not measured"));
  });

  it("renders the scaling table, its lines and the projection", () => {
    const md = scalingSection(scaling).join("\n");
    assert.match(
      md,
      /\| 3 \| 1 \| 3 \(1 \+ 1 \+ 1\) \| 12\.00 s \| 4\.00 s \| 4\.00 s \(3\.90 s to 4\.10 s\) \| 3\.90 s to 4\.10 s \| 1\.50 \|/,
    );
    assert.match(md, /\| 3 \| 3 \| 2 \(1 \+ 2\) \| FAILED after 9\.00 s: host-2: agent failed/);
    assert.match(md, /- batch size 1: 4\.00 s per batch \+ 0\.00 s \(3 points, r² 0\.99\)/);
    assert.match(md, /- 100 hosts at batch size 1: 100 batches, 400\.00 s by that line/);
    assert.match(md, /- 100 hosts at batch size 3: 34 batches, no line for that batch size/);
  });

  it("renders the cold host's images and hosts", () => {
    const md = coldHostSection(cold).join("\n");
    assert.match(md, /\| app \(…aaaaaaaaaaaa\) \| 40\.2 MB \| 9 \| 116\.8 MB \|/);
    assert.match(md, /\| nginx \(…bbbbbbbbbbbb\) \| 5\.0 MB \| 3 \| 13\.2 MB \|/);
    assert.match(
      md,
      /\| host-1 \| 0 \| 3\.50 s \(3\.10 s \+ 0\.40 s\) \| 0\.45 s \| 6\.40 s \| 7\.00 s \| 45\.9 MB \|/,
    );
    assert.match(
      md,
      /\| host-2 \| 0 \| 3\.10 s \(– \+ –\) \| no \| 5\.20 s \| 6\.00 s \| 45\.9 MB \|/,
    );
    assert.match(md, /a first deploy does not bake/);
  });
});
