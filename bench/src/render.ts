/**
 * Renders the markdown and the chart again from a results JSON (after a change to the report or
 * the chart, without running the benchmark again):
 *
 *   node -r ts-node/register/transpile-only bench/src/render.ts bench/results/<timestamp>.json
 */
import * as fs from "node:fs";
import { buildRolloutChartOption, renderChart } from "./chart";
import { renderMarkdown } from "./markdown";
import { phaseSpans } from "./phases";
import type { BenchResults } from "./results";
import { chartSubtitle } from "./subtitle";
import { checkTargets } from "./targets";

async function render(file: string): Promise<void> {
  const results = JSON.parse(fs.readFileSync(file, "utf8")) as BenchResults;
  const traffic = results.rolloutTraffic;
  if (traffic?.hostRuns) {
    traffic.phases = traffic.hostRuns.flatMap((run) => phaseSpans(run, traffic.loadStartedAtMs));
    const { png } = await renderChart(buildRolloutChartOption(traffic, chartSubtitle(results)));
    fs.writeFileSync(file.replace(/\.json$/, ".png"), png);
  }
  // The targets table is read again too, so a change to how a figure is worded shows.
  results.targets = checkTargets(results);
  const markdown = renderMarkdown(results);
  fs.writeFileSync(file.replace(/\.json$/, ".md"), markdown);
  process.stdout.write(markdown);
}

render(process.argv[2] ?? "").catch((error: Error) => {
  process.stderr.write(`render: ${error.message}\n`);
  process.exit(1);
});
