import * as assert from "node:assert/strict";
import {
  buildRolloutChartOption,
  hostAreas,
  PHASE_COLORS,
  phaseAreas,
  renderChart,
  switchLines,
} from "../../bench/src/chart";
import type { PhaseSpan, TrafficFigures } from "../../bench/src/results";
import { perSecond, Sample, summarizeTraffic } from "../../bench/src/stats";

const spans: PhaseSpan[] = [
  { host: "host-1", phase: "overhead", startMs: 1000, endMs: 1200 },
  { host: "host-1", phase: "boot", startMs: 1200, endMs: 2700 },
  { host: "host-1", phase: "switch", startMs: 2700, endMs: 3000 },
  { host: "host-1", phase: "lock", startMs: 3000, endMs: 3000 },
  { host: "host-2", phase: "switch", startMs: 6000, endMs: 6250 },
];

function traffic(samples: Sample[]): TrafficFigures {
  return {
    settings: {
      url: "http://127.0.0.1:1",
      path: "/",
      ratePerSecond: 10,
      connections: 2,
      timeoutSeconds: 10,
    },
    durationMs: 8000,
    cpu: null,
    hostRuns: [],
    loadStartedAtMs: 0,
    summary: summarizeTraffic(samples),
    perSecond: perSecond(samples),
    phases: spans,
  };
}
const steady: Sample[] = Array.from({ length: 80 }, (_, i) => ({
  atMs: i * 100,
  latencyMs: 2 + (i % 5),
  status: i === 33 ? 502 : 200,
}));

describe("bench chart: the ECharts option", () => {
  it("draws one band per phase span, skipping empty spans, in seconds, coloured by phase", () => {
    const areas = phaseAreas(spans);
    assert.equal(areas.length, 4);
    assert.deepEqual(areas[1]?.[0]?.xAxis, 1.2);
    assert.deepEqual(areas[1]?.[1], { xAxis: 2.7 });
    assert.equal(areas[1]?.[0]?.itemStyle.color, PHASE_COLORS.boot);
  });

  it("marks each host's whole deploy with its name, and each switch with a line at its end", () => {
    assert.deepEqual(
      hostAreas(spans).map(([start, end]) => [start.name, start.xAxis, end.xAxis]),
      [
        ["host-1", 1, 3],
        ["host-2", 6, 6.25],
      ],
    );
    assert.deepEqual(
      switchLines(spans).map((l) => [l.name, l.xAxis]),
      [
        ["host-1 switch", 3],
        ["host-2 switch", 6.25],
      ],
    );
  });

  it("plots p50/p95/p99 per second at the middle of each second and errors as stacked bars", () => {
    const option = buildRolloutChartOption(traffic(steady), "sub");
    const series = option.series as {
      name: string;
      type: string;
      data: unknown[];
      stack?: string;
    }[];
    assert.deepEqual(
      series.slice(0, 6).map((s) => s.name),
      ["p50", "p95", "p99", "non-2xx", "failed", "sent"],
    );
    assert.deepEqual(series[0]?.data[0], [0.5, perSecond(steady)[0]?.latencyMs.p50]);
    assert.deepEqual(series[3]?.data[3], [3.5, 1]);
    assert.equal(series[3]?.stack, series[4]?.stack);
    // One empty legend series per phase present, so the legend explains the colours.
    assert.deepEqual(
      series.slice(6).map((s) => s.name),
      ["overhead", "boot", "switch", "lock"],
    );
  });

  it("switches the latency axis to a log scale when a slow second dwarfs the typical p50", () => {
    const linear = buildRolloutChartOption(traffic(steady), "");
    const withTimeout = buildRolloutChartOption(
      traffic([...steady, { atMs: 5050, latencyMs: 10_000, status: 200 }]),
      "",
    );
    const firstAxisType = (o: typeof linear) => (o.yAxis as { type: string }[])[0]?.type;
    assert.equal(firstAxisType(linear), "value");
    assert.equal(firstAxisType(withTimeout), "log");
  });

  it("renders to an SVG with the phase labels and a PNG", async function () {
    this.timeout(30_000);
    const { svg, png } = await renderChart(
      buildRolloutChartOption(traffic(steady), "subtitle here"),
      {
        width: 800,
        height: 600,
      },
    );
    assert.match(svg, /^<svg/);
    assert.match(svg, /host-1 switch/);
    assert.match(svg, /subtitle here/);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 10_000, `the PNG is suspiciously small: ${png.length} bytes`);
  });
});
