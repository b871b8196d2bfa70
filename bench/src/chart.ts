/**
 * The rollout chart: latency p50/p95/p99 and errors per second through the load balancer, with
 * each host's deploy phases marked. Built as an ECharts option (pure, unit-tested), rendered to
 * SVG by ECharts' server-side renderer and to PNG by resvg.
 */
import type { EChartsOption } from "echarts";
import type { AgentPhase, PhaseSpan, TrafficFigures } from "./results";

export const CHART_SIZE = { width: 1400, height: 820 };

/** One colour per phase; the phases that matter to traffic (boot, switch, bake) stand out. */
export const PHASE_COLORS: Record<AgentPhase | "overhead", string> = {
  overhead: "#e0e0e0",
  lock: "#d6d6d6",
  login: "#c9d7e8",
  pull: "#9ec5fe",
  release: "#c5b3f0",
  boot: "#ffe08a",
  smoke: "#d4e6a5",
  workers: "#b6e3b6",
  switch: "#ff7043",
  bake: "#f4b183",
  switchBack: "#c62828",
};

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

/** One markArea entry: where a band starts (with its name and style) and where it ends. */
type AreaStart = {
  name: string;
  xAxis: number;
  itemStyle: { color: string; opacity?: number };
  label: { show: boolean; position?: "insideTop"; color?: string };
};
type Area = [AreaStart, { xAxis: number }];

/** The chart's phase bands: one markArea entry per span, seconds on the x axis. */
export function phaseAreas(spans: PhaseSpan[]): Area[] {
  return spans
    .filter((span) => span.endMs > span.startMs)
    .map((span): Area => [
      {
        name: `${span.host} ${span.phase}`,
        xAxis: round(span.startMs / 1000),
        itemStyle: { color: PHASE_COLORS[span.phase], opacity: 0.45 },
        label: { show: false },
      },
      { xAxis: round(span.endMs / 1000) },
    ]);
}

/** One band per host across its whole deploy, labelled with the host's name (bottom grid). */
export function hostAreas(spans: PhaseSpan[]): Area[] {
  const byHost = new Map<string, { start: number; end: number }>();
  for (const span of spans) {
    const current = byHost.get(span.host);
    byHost.set(span.host, {
      start: Math.min(current?.start ?? Infinity, span.startMs),
      end: Math.max(current?.end ?? -Infinity, span.endMs),
    });
  }
  return [...byHost.entries()].map(([host, { start, end }], i): Area => [
    {
      name: host,
      xAxis: round(start / 1000),
      itemStyle: { color: i % 2 === 0 ? "#eef3fb" : "#f7f7f7" },
      label: { show: true, position: "insideTop" as const, color: "#333" },
    },
    { xAxis: round(end / 1000) },
  ]);
}

/** The moments nginx switched to the new release, one line per host. */
export function switchLines(spans: PhaseSpan[]) {
  return spans
    .filter((span) => span.phase === "switch")
    .map((span) => ({
      name: `${span.host} switch`,
      xAxis: round(span.endMs / 1000),
      label: { formatter: `${span.host} switch`, position: "insideEndTop" as const, fontSize: 11 },
    }));
}

export function buildRolloutChartOption(traffic: TrafficFigures, subtitle: string): EChartsOption {
  const buckets = traffic.perSecond;
  const x = (t: number) => t + 0.5; // a bucket's point sits in the middle of its second
  const latency = (key: "p50" | "p95" | "p99") =>
    buckets.map((b) => [x(b.t), b.latencyMs[key]] as [number, number | null]);
  const maxSeconds = Math.max(
    buckets.length,
    ...traffic.phases.map((span) => Math.ceil(span.endMs / 1000)),
  );
  const phasesPresent = [...new Set(traffic.phases.map((span) => span.phase))];
  // A few slow seconds (a timeout is seconds long) would flatten the p50 line: use a log scale then.
  const p50s = buckets.map((b) => b.latencyMs.p50).filter((v): v is number => v !== null && v > 0);
  const p99s = buckets.map((b) => b.latencyMs.p99).filter((v): v is number => v !== null && v > 0);
  const typicalP50 = p50s.sort((a, b) => a - b)[Math.floor(p50s.length / 2)] ?? 1;
  const logScale = p99s.length > 0 && Math.max(...p99s) > 50 * typicalP50;
  const xAxisBase = { type: "value" as const, min: 0, max: maxSeconds, splitLine: { show: false } };

  return {
    animation: false,
    backgroundColor: "#ffffff",
    textStyle: { fontFamily: "DejaVu Sans, sans-serif" },
    title: {
      text: `Traffic through the load balancer during a ${new Set(traffic.phases.map((p) => p.host)).size}-host rolling deploy`,
      subtext: subtitle,
      left: "center",
    },
    legend: {
      top: 62,
      data: ["p50", "p95", "p99", "non-2xx", "failed", "sent", ...phasesPresent],
    },
    grid: [
      { left: 80, right: 80, top: 120, height: 390 },
      { left: 80, right: 80, top: 580, height: 170 },
    ],
    xAxis: [
      { ...xAxisBase, gridIndex: 0, axisLabel: { show: false } },
      {
        ...xAxisBase,
        gridIndex: 1,
        name: "seconds since the load started",
        nameLocation: "middle",
        nameGap: 30,
      },
    ],
    yAxis: [
      logScale
        ? { type: "log", gridIndex: 0, name: "latency (ms, log scale)", logBase: 10 }
        : { type: "value", gridIndex: 0, name: "latency (ms)", min: 0 },
      { type: "value", gridIndex: 1, name: "errors / s", min: 0, minInterval: 1 },
      {
        type: "value",
        gridIndex: 1,
        name: "sent / s",
        min: 0,
        position: "right",
        splitLine: { show: false },
      },
    ],
    series: [
      {
        name: "p50",
        type: "line",
        xAxisIndex: 0,
        yAxisIndex: 0,
        showSymbol: false,
        data: latency("p50"),
        lineStyle: { width: 2 },
        color: "#1f77b4",
        markArea: { silent: true, data: phaseAreas(traffic.phases) as never },
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { color: PHASE_COLORS.switch, type: "solid", width: 1.5 },
          data: switchLines(traffic.phases) as never,
        },
      },
      {
        name: "p95",
        type: "line",
        xAxisIndex: 0,
        yAxisIndex: 0,
        showSymbol: false,
        data: latency("p95"),
        color: "#ff7f0e",
      },
      {
        name: "p99",
        type: "line",
        xAxisIndex: 0,
        yAxisIndex: 0,
        showSymbol: false,
        data: latency("p99"),
        color: "#d62728",
      },
      {
        name: "non-2xx",
        type: "bar",
        stack: "errors",
        xAxisIndex: 1,
        yAxisIndex: 1,
        barWidth: 6,
        data: buckets.map((b) => [x(b.t), b.non2xx]),
        color: "#ff9800",
        markArea: { silent: true, data: hostAreas(traffic.phases) as never },
      },
      {
        name: "failed",
        type: "bar",
        stack: "errors",
        xAxisIndex: 1,
        yAxisIndex: 1,
        barWidth: 6,
        data: buckets.map((b) => [x(b.t), b.failed]),
        color: "#c62828",
      },
      {
        name: "sent",
        type: "line",
        xAxisIndex: 1,
        yAxisIndex: 2,
        showSymbol: false,
        data: buckets.map((b) => [x(b.t), b.sent]),
        color: "#7f7f7f",
        lineStyle: { type: "dashed", width: 1 },
      },
      // Empty series, so that the legend explains the phase colours.
      ...phasesPresent.map((phase) => ({
        name: phase,
        type: "bar" as const,
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: [],
        color: PHASE_COLORS[phase],
      })),
    ],
  };
}

/** Renders an option to SVG (ECharts SSR) and PNG (resvg), with the system's DejaVu fonts. */
export async function renderChart(
  option: EChartsOption,
  size = CHART_SIZE,
): Promise<{ svg: string; png: Buffer }> {
  const echarts = await import("echarts");
  const { Resvg } = await import("@resvg/resvg-js");
  const chart = echarts.init(null, null, {
    renderer: "svg",
    ssr: true,
    width: size.width,
    height: size.height,
  });
  try {
    chart.setOption(option);
    const svg = chart.renderToSVGString();
    const png = new Resvg(svg, {
      background: "#ffffff",
      font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    })
      .render()
      .asPng();
    return { svg, png };
  } finally {
    chart.dispose();
  }
}
