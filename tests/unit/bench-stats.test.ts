import * as assert from "node:assert/strict";
import {
  difference,
  percentile,
  perSecond,
  ratio,
  Sample,
  summarizeLatency,
  summarizeTraffic,
  window,
} from "../../bench/src/stats";

const ok = (atMs: number, latencyMs: number, status = 200): Sample => ({ atMs, latencyMs, status });
const failed = (atMs: number): Sample => ({ atMs, latencyMs: null, status: null });

describe("bench statistics: percentiles", () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it("uses the nearest rank: p50 of 1..100 is 50, p95 is 95, p99 is 99, p100 is 100", () => {
    assert.equal(percentile(oneToHundred, 50), 50);
    assert.equal(percentile(oneToHundred, 95), 95);
    assert.equal(percentile(oneToHundred, 99), 99);
    assert.equal(percentile(oneToHundred, 100), 100);
  });

  it("gives the single value for one sample and null for none", () => {
    assert.equal(percentile([7], 1), 7);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), null);
  });

  it("rounds up the rank: p50 of four values is the second", () => {
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 51), 3);
  });

  it("rejects a percentile outside (0, 100]", () => {
    assert.throws(() => percentile([1], 0), /must be in \(0, 100\] \(got 0\)/);
    assert.throws(() => percentile([1], 101), /got 101/);
  });

  it("summarises unsorted latencies with p50/p95/p99, max and mean", () => {
    const summary = summarizeLatency([5, 1, 4, 2, 3]);
    assert.deepEqual(summary, { p50: 3, p95: 5, p99: 5, max: 5, mean: 3 });
    assert.deepEqual(summarizeLatency([]), {
      p50: null,
      p95: null,
      p99: null,
      max: null,
      mean: null,
    });
  });
});

describe("bench statistics: traffic and per-second buckets", () => {
  it("counts 2xx, non-2xx and failed requests; latency only from answered ones", () => {
    const t = summarizeTraffic([ok(10, 2), ok(20, 4, 204), ok(30, 6, 502), failed(40), failed(50)]);
    assert.equal(t.sent, 5);
    assert.equal(t.ok, 2);
    assert.equal(t.non2xx, 1);
    assert.equal(t.failed, 2);
    assert.deepEqual(t.statusCounts, { "200": 1, "204": 1, "502": 1 });
    assert.equal(t.latencyMs.max, 6);
    assert.equal(t.latencyMs.p50, 4);
  });

  it("puts each sample in the second it completed in and keeps empty seconds", () => {
    const buckets = perSecond([ok(0, 1), ok(999, 3), ok(1000, 5), failed(3500)]);
    assert.deepEqual(
      buckets.map((b) => [b.t, b.sent, b.failed]),
      [
        [0, 2, 0],
        [1, 1, 0],
        [2, 0, 0],
        [3, 1, 1],
      ],
    );
    assert.equal(buckets[0]?.latencyMs.p99, 3);
    assert.equal(buckets[2]?.latencyMs.p50, null);
  });

  it("extends the buckets to untilMs so a silent tail shows as empty seconds", () => {
    assert.equal(perSecond([ok(100, 1)], 4200).length, 5);
    assert.equal(perSecond([]).length, 0);
  });

  it("cuts a window and re-bases its times", () => {
    const cut = window([ok(500, 1), ok(1500, 2), ok(2500, 3)], 1000, 2500);
    assert.deepEqual(cut, [ok(500, 2)]);
  });
});

describe("bench statistics: ratios", () => {
  it("divides and subtracts to three decimals, null when a figure is missing", () => {
    assert.equal(ratio(2, 3), 0.667);
    assert.equal(ratio(1, 0), null);
    assert.equal(ratio(null, 3), null);
    assert.equal(difference(3.5, 1.25), 2.25);
    assert.equal(difference(1.0004, 1), 0);
    assert.equal(difference(undefined, 1), null);
  });
});
