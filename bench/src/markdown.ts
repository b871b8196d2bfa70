/** The markdown report printed at the end of a run (and saved beside the JSON). Pure. */
import {
  AGENT_PHASES,
  BenchResults,
  ColdHostFigures,
  GuardFigures,
  NginxComparison,
  RollbackFigures,
  RolloutFigures,
  ScalingFigures,
} from "./results";
import { median } from "./scaling";
import type { TrafficSummary } from "./stats";
import { cpuPerRequestUs, lineText, megabytes, routeOf } from "./targets";

const ms = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined ? "–" : `${value.toFixed(digits)}`;
const s = (value: number | null | undefined) =>
  value === null || value === undefined ? "–" : `${(value / 1000).toFixed(2)} s`;

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function trafficRow(name: string, t: TrafficSummary): string[] {
  return [
    name,
    String(t.sent),
    String(t.non2xx),
    String(t.failed),
    ms(t.latencyMs.p50, 1),
    ms(t.latencyMs.p95, 1),
    ms(t.latencyMs.p99, 1),
    ms(t.latencyMs.max, 1),
  ];
}

function rolloutSection(rollout: RolloutFigures, what: string): string[] {
  const phases = AGENT_PHASES.filter((p) => rollout.hosts.some((h) => h.phasesMs[p] !== undefined));
  const background = (h: RolloutFigures["hosts"][number]) => {
    if (!h.background) return "–";
    const total = Object.values(h.background.phasesMs).reduce((sum, v) => sum + v, 0);
    return `${total} (${h.background.state})`;
  };
  return [
    `### ${what}, bake ${rollout.bakeSeconds ?? 0} s (ms; ${rollout.ok ? "succeeded" : `FAILED: ${rollout.error}`})`,
    "",
    table(
      [
        "host",
        ...phases,
        "ssh + receipt",
        "agent other",
        "total",
        "serving after",
        "floor (pull + boot)",
        "total / floor",
        "background (old workers, drain, prune)",
      ],
      [
        ...rollout.hosts.map((h) => [
          h.host,
          ...phases.map((p) => ms(h.phasesMs[p])),
          ms(h.sshMs),
          ms(h.unattributedMs),
          ms(h.wallMs),
          ms(h.servingAfterMs),
          h.floor ? `${h.floor.totalMs} (${h.floor.pullMs} + ${h.floor.bootToHealthyMs})` : "–",
          h.ratioToFloor === null ? "–" : `${h.ratioToFloor.toFixed(2)}x`,
          background(h),
        ]),
        [
          "**rollout**",
          ...phases.map(() => ""),
          "",
          "",
          ms(rollout.totalMs),
          "",
          ms(rollout.floorTotalMs),
          rollout.ratioToFloor === null ? "–" : `**${rollout.ratioToFloor.toFixed(2)}x**`,
          "",
        ],
      ],
    ),
  ];
}

function rollbackSection(rollback: RollbackFigures): string[] {
  const mode = rollback.mode === "one-at-a-time" ? "one host at a time" : "every host at once";
  return [
    `### Rollback of the whole fleet, ${mode} (cached image, no pull): ` +
      `every host serving the previous release after ${s(rollback.allServingAfterMs)}, command ${s(rollback.totalMs)}` +
      (rollback.ok ? "" : `; FAILED: ${rollback.error}`),
    "",
    table(
      [
        "host",
        "outcome",
        "pulled",
        "nginx switched after",
        "GET /version answers it after",
        "agent wall time",
      ],
      rollback.hosts.map((h) => [
        h.host,
        h.outcome,
        String(h.pulled),
        s(h.servingAfterMs),
        s(h.observedAfterMs),
        s(h.wallMs),
      ]),
    ),
    "",
    "Times from the command's start; GET /version is asked on each host's nginx every 100 ms and counted when its answer arrives.",
  ];
}

function guardSection(g: GuardFigures): string[] {
  const bake = g.bake;
  return [
    `### Deploy guard: a release whose /healthz and "/" answer 200 and every other route 500, bake ${g.bakeSeconds} s`,
    "",
    table(
      ["figure", "value"],
      [
        [
          "first host's outcome",
          `${g.host ?? "–"}: ${g.exitName ?? "–"} (exit ${g.exitCode ?? "–"})`,
        ],
        ["switch-back after the switch", s(g.switchBackAfterMs)],
        [
          "what the bake saw from the new release",
          bake
            ? `${bake.errors} 5xx of ${bake.requests} requests (max error rate ${bake.maxErrorRate})`
            : "–",
        ],
        [
          "5xx the first host's nginx answered on the load's path (what clients see behind an LB that does not retry)",
          g.firstHostAnswers
            ? `${g.firstHostAnswers.errors} of ${g.firstHostAnswers.requests} logged since the deploy started`
            : "–",
        ],
        [
          "failed requests through the LB before the switch-back (HAProxy retries a 500 on another host)",
          String(g.failedBeforeSwitchBack),
        ],
        [
          "failed requests after it (in flight at the reload included)",
          String(g.failedAfterSwitchBack),
        ],
        ["hosts never touched", g.untouched.join(", ") || "none"],
        [
          "fleet on the previous release afterwards",
          `${g.fleetOnPrevious ? "yes" : "**no**"} (${Object.entries(g.releasesAfter)
            .map(([host, release]) => `${host} ${release ?? "?"}`)
            .join(", ")})`,
        ],
      ],
    ),
  ];
}

/** How a rollout grows: one row per fleet size and batch size, the lines, the projection. */
export function scalingSection(scaling: ScalingFigures): string[] {
  const walls = (values: number[]) =>
    values.length ? `${s(Math.min(...values))} to ${s(Math.max(...values))}` : "–";
  return [
    `### How a rollout grows: a code-only change, bake ${scaling.bakeSeconds} s, no load`,
    "",
    table(
      [
        "hosts",
        "batch size",
        "batches (hosts each)",
        "total",
        "per batch (total / batches)",
        "batch wall time, median (min to max)",
        "host wall time",
        "load average at the start",
      ],
      scaling.points.map((p) => [
        String(p.hosts),
        String(p.batchSize),
        `${p.batches} (${p.batchHosts.join(" + ")})`,
        p.ok ? s(p.totalMs) : `FAILED after ${s(p.totalMs)}: ${p.error}`,
        s(p.perBatchMs),
        p.batchMs.length ? `${s(median(p.batchMs))} (${walls(p.batchMs)})` : "–",
        walls(p.hostWallMs),
        p.loadAverage.toFixed(2),
      ]),
    ),
    "",
    "Least-squares lines, rollout total = a + b × batches (b: the per-batch cost):",
    "",
    `- all points: ${lineText(scaling.fit)}`,
    ...scaling.fitByBatchSize.map((f) => `- batch size ${f.batchSize}: ${lineText(f.fit)}`),
    ...scaling.projection.map(
      (p) =>
        `- ${p.hosts} hosts at batch size ${p.batchSize}: ${p.batches} batches, ` +
        (p.totalMs === null ? "no line for that batch size" : `${s(p.totalMs)} by that line`),
    ),
    "",
    "With a release command the first host goes alone (it runs the migrations), so 10 hosts at " +
      "batch size 3 make 1 + 3 + 3 + 3 batches. The fleet grows between sizes; its new hosts get the " +
      "fleet's release first, and each rollout brings a release no host has yet (one small layer).",
  ];
}

/** What a brand-new host pulled before it served, per image and per host. */
export function coldHostSection(cold: ColdHostFigures): string[] {
  const mb = (bytes: number | null) => (bytes === null ? "–" : megabytes(bytes));
  return [
    "### Cold host: the first deploy on hosts with an empty image store",
    "",
    table(
      ["image", "compressed (registry manifest, sum of layers)", "layers", "unpacked on the host"],
      (
        [
          ["app", cold.app],
          ["nginx", cold.proxy],
        ] as const
      ).map(([name, image]) => [
        `${name} (…${image.reference.slice(-12)})`,
        mb(image.compressedBytes),
        image.layers === null ? "–" : String(image.layers),
        mb(image.sizeBytes),
      ]),
    ),
    "",
    table(
      [
        "host",
        "images before",
        "pull (app + nginx)",
        "release command",
        "serving after",
        "deploy wall time",
        "received by the host",
      ],
      cold.hosts.map((h) => [
        h.host,
        h.imagesBefore === null ? "–" : String(h.imagesBefore),
        `${s(h.pullMs)} (${s(h.appPullMs)} + ${s(h.proxyPullMs)})`,
        h.releaseCommand ? s(h.phasesMs.release) : "no",
        s(h.servingAfterMs),
        s(h.wallMs),
        mb(h.receivedBytes),
      ]),
    ),
    "",
    "The receipt's pull phase covers both images; it is split at the host engine's `pull` events. " +
      "Serving after: from the deployer's start to the host's nginx switching to the release; the " +
      "deploy then confirms the new workers before it returns (a first deploy does not bake: no " +
      "previous release runs there to switch back to). " +
      "Received: the host's network counter over the whole first deploy (registry, SSH, health checks).",
  ];
}

function nginxThroughputSection(throughput: NginxComparison[]): string[] {
  const us = (v: number | null | undefined) => (v == null ? "–" : v.toFixed(0));
  const lines = [
    "### nginx in front of the app vs the app directly (closed loop, as fast as it answers)",
    "",
    table(
      [
        "route",
        "connections",
        "direct rps",
        "nginx rps",
        "ratio",
        "direct p50 / p99 ms",
        "nginx p50 / p99 ms",
        "p50 added ms",
        "nginx CPU µs per request (user + kernel)",
      ],
      throughput.map((c) => {
        const cpu = c.nginxCpuUsPerRequest;
        return [
          `GET ${routeOf(c)}`,
          String(c.connections),
          c.direct.requestsPerSecond.toFixed(0),
          c.nginx.requestsPerSecond.toFixed(0),
          c.rpsRatio === null ? "–" : c.rpsRatio.toFixed(2),
          `${ms(c.direct.latencyMs.p50, 2)} / ${ms(c.direct.latencyMs.p99, 2)}`,
          `${ms(c.nginx.latencyMs.p50, 2)} / ${ms(c.nginx.latencyMs.p99, 2)}`,
          ms(c.p50AddedMs, 2),
          cpu ? `${us(cpu.total)} (${us(cpu.user)} + ${us(cpu.system)})` : "–",
        ];
      }),
    ),
  ];
  const cpuLines = throughput.flatMap((c) => {
    const d = c.direct.cpu;
    const n = c.nginx.cpu;
    if (!d || !n) return [];
    const direct = cpuPerRequestUs(c.direct);
    const proxied = cpuPerRequestUs(c.nginx);
    const otherShare = (share: typeof d) =>
      share.cpuMs.machineBusy && share.cpuMs.other !== null
        ? `${Math.round((100 * share.cpuMs.other) / share.cpuMs.machineBusy)}%`
        : "–";
    return [
      `- GET ${routeOf(c)}, ${c.connections} connection(s): direct: app ${us(direct.app)}, ` +
        `load generator ${us(direct.loadGenerator)}, dockerd ${us(direct.dockerd)}; through nginx: app ${us(proxied.app)}, ` +
        `nginx ${us(proxied.nginx)}, load generator ${us(proxied.loadGenerator)}, dockerd ${us(proxied.dockerd)}. ` +
        `Other work took ${otherShare(d)} / ${otherShare(n)} of the machine's busy CPU during these runs.`,
    ];
  });
  if (cpuLines.length)
    lines.push(
      "",
      "CPU per request (µs), from the containers' cgroups, dockerd's and this process's own counters:",
      "",
      ...cpuLines,
    );
  return lines;
}

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  out.push(
    `## berth benchmark, ${r.startedAt}`,
    "",
    `Commit ${r.commit.sha?.slice(0, 12) ?? "unknown"}${r.commit.dirty ? " (with uncommitted changes)" : ""}; ` +
      `${r.machine.cores} cores (${r.machine.cpuModel}), ${megabytes(r.machine.memoryBytes)} memory, ` +
      `load average ${r.machine.loadAverage.start.toFixed(2)} at the start; ${r.fleet.hosts} simulated hosts.`,
    "",
    "### Targets (reported, not asserted)",
    "",
    table(
      ["figure", "target", "this run", "met"],
      r.targets.map((t) => [
        t.name,
        t.target,
        t.value,
        t.met === null ? "–" : t.met ? "yes" : "**no**",
      ]),
    ),
  );

  for (const [rollout, what] of [
    [r.rollout, "Rolling deploy of a code-only change"],
    [r.rolloutWithBake ?? null, "The same kind of change with the default bake"],
  ] as const)
    if (rollout) out.push("", ...rolloutSection(rollout, what));

  const trafficRows: string[][] = [];
  const windows = [
    ["during the rollout, bake 0", r.rolloutTraffic],
    ["during the rollout with the default bake", r.rolloutWithBakeTraffic],
    ["during the rollback (at once)", r.rollback?.traffic],
    ["during the rollback (one at a time)", r.rollbackOneAtATime?.traffic],
    ["guard scenario", r.guard?.traffic],
  ] as const;
  for (const [name, traffic] of windows)
    if (traffic)
      trafficRows.push(trafficRow(`${name} (GET ${traffic.settings.path})`, traffic.summary));
  if (trafficRows.length) {
    const settings = windows.find(([, t]) => t)?.[1]?.settings;
    out.push(
      "",
      `### Traffic through the load balancer (${settings?.ratePerSecond} req/s constant, ${settings?.connections} connections)`,
      "",
      table(
        ["window", "sent", "non-2xx", "failed", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        trafficRows,
      ),
    );
    const busy = r.rolloutTraffic?.cpu;
    if (busy?.cpuMs.machineBusy) {
      out.push(
        "",
        `During the rollout the machine was ${Math.round((100 * busy.cpuMs.machineBusy) / (busy.wallMs * r.machine.cores))}% busy ` +
          `(${(busy.cpuMs.machineBusy / 1000).toFixed(1)} CPU-s in ${(busy.wallMs / 1000).toFixed(1)} s on ${r.machine.cores} cores; ` +
          `the load generator took ${(busy.cpuMs.loadGenerator / 1000).toFixed(1)} CPU-s, the fleet and any other work the rest).`,
      );
    }
  }

  for (const rollback of [r.rollback, r.rollbackOneAtATime ?? null])
    if (rollback) out.push("", ...rollbackSection(rollback));
  if (r.guard) out.push("", ...guardSection(r.guard));

  if (r.nginx) {
    out.push("", ...nginxThroughputSection(r.nginx.throughput));
    if (r.nginx.slowClients.length) {
      const first = r.nginx.slowClients[0];
      out.push(
        "",
        `Slow clients: ${first?.slowClients} clients each fetch ${first?.responseBytes} bytes and read ` +
          `${first?.readBytesPerTick} bytes every ${first?.tickMs} ms, while normal clients keep a constant load.`,
        "",
        table(
          [
            "target",
            "normal p50 / p99 ms",
            "normal non-2xx + failed",
            "app TCP connections peak / mean (incl. nginx's keep-alive pool)",
            "app time per slow response p50 / max ms",
            "slow responses completed",
          ],
          r.nginx.slowClients.map((c) => [
            c.target,
            `${ms(c.normalTraffic.latencyMs.p50, 1)} / ${ms(c.normalTraffic.latencyMs.p99, 1)}`,
            `${c.normalTraffic.non2xx + c.normalTraffic.failed} of ${c.normalTraffic.sent}`,
            `${c.appConnectionsPeak} / ${c.appConnectionsMean}`,
            `${ms(c.appResponseMs.p50, 1)} / ${ms(c.appResponseMs.max, 1)}`,
            `${c.slowClientsCompleted} of ${c.slowClients}`,
          ]),
        ),
      );
    }
  }

  if (r.image) {
    const i = r.image;
    out.push(
      "",
      "### Image",
      "",
      table(
        [
          "runtime image",
          "compressed (registry)",
          "cold build",
          "rebuild after a one-line change",
          "pushed by that rebuild",
        ],
        [
          [
            i.sizeBytes === null ? "–" : megabytes(i.sizeBytes),
            i.compressedBytes === null ? "–" : megabytes(i.compressedBytes),
            s(i.coldBuildMs),
            s(i.rebuildMs),
            i.rebuildPushedBytes === null
              ? "–"
              : `${(i.rebuildPushedBytes / 1000).toFixed(1)} kB in ${i.rebuildPushedLayers} layer(s)`,
          ],
        ],
      ),
    );
  }

  if (r.programEvaluation) {
    const p = r.programEvaluation;
    out.push(
      "",
      `### Pulumi program under mocks (stack ${p.stack}): import ${s(p.importMs)}, run ${s(p.runMs)}, ` +
        `${p.resources ?? "–"} resources; whole process ${s(p.processMs)}`,
    );
  }

  if (r.scaling) out.push("", ...scalingSection(r.scaling));
  if (r.coldHost) out.push("", ...coldHostSection(r.coldHost));

  if (r.notes.length) out.push("", "### Notes", "", ...r.notes.map((n) => `- ${n}`));
  return out.join("\n") + "\n";
}
