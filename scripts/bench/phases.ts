/**
 * Turns the agent's receipts into figures: per-host phase times, where the time went beyond the
 * named phases, and the phase spans on the load's time axis for the chart. Pure.
 */
import { AGENT_PHASES, AgentPhase, FloorFigures, HostRolloutFigures, PhaseSpan } from "./results";
import { ratio } from "./stats";

/** What the bench knows about one host's deploy: the agent's summary and the deployer's clock. */
export interface HostRun {
  host: string;
  /** Epoch ms when the deployer started the SSH command. */
  startedAtMs: number;
  /** Wall ms of the SSH command. */
  wallMs: number;
  summary: {
    time: string;
    outcome: string;
    pulled?: boolean;
    durationsMs: Record<string, number>;
  } | null;
}

/** The receipt's named phases, in the agent's order (absent ones left out). */
export function phasesOf(durationsMs: Record<string, number>): Partial<Record<AgentPhase, number>> {
  const phases: Partial<Record<AgentPhase, number>> = {};
  for (const phase of AGENT_PHASES) {
    const value = durationsMs[phase];
    if (typeof value === "number" && Number.isFinite(value)) phases[phase] = value;
  }
  return phases;
}

const sum = (values: (number | undefined)[]) => values.reduce<number>((s, v) => s + (v ?? 0), 0);

export function hostFigures(run: HostRun, floor: FloorFigures | null): HostRolloutFigures {
  const durations = run.summary?.durationsMs ?? {};
  const phasesMs = phasesOf(durations);
  const agentTotalMs = typeof durations.total === "number" ? durations.total : null;
  return {
    host: run.host,
    outcome: run.summary?.outcome ?? "no summary",
    phasesMs,
    agentTotalMs,
    wallMs: run.wallMs,
    sshMs: agentTotalMs === null ? null : run.wallMs - agentTotalMs,
    unattributedMs: agentTotalMs === null ? null : agentTotalMs - sum(Object.values(phasesMs)),
    floor,
    ratioToFloor: ratio(run.wallMs, floor?.totalMs),
  };
}

/**
 * Where each phase ran, in ms since `originMs` (epoch ms of the load's start). The agent's start is
 * its receipt time minus its total; phases follow one another in the agent's order, so the small
 * unattributed gaps between them accumulate at the end of the agent's span. The SSH connection
 * before the agent starts is its own span.
 */
export function phaseSpans(run: HostRun, originMs: number): PhaseSpan[] {
  const durations = run.summary?.durationsMs;
  const endAt = run.summary ? Date.parse(run.summary.time) : NaN;
  const spans: PhaseSpan[] = [];
  const deployerStart = run.startedAtMs - originMs;
  if (!durations || typeof durations.total !== "number" || Number.isNaN(endAt)) {
    return [
      { host: run.host, phase: "ssh", startMs: deployerStart, endMs: deployerStart + run.wallMs },
    ];
  }
  let cursor = Math.max(deployerStart, endAt - durations.total - originMs);
  if (cursor > deployerStart)
    spans.push({ host: run.host, phase: "ssh", startMs: deployerStart, endMs: cursor });
  for (const [phase, ms] of Object.entries(phasesOf(durations)) as [AgentPhase, number][]) {
    spans.push({ host: run.host, phase, startMs: cursor, endMs: cursor + ms });
    cursor += ms;
  }
  return spans;
}

/** Serving the previous release: from the deployer's start to the end of the switch phase. */
export function servingAfterMs(run: HostRun, originMs = run.startedAtMs): number | null {
  const switchSpan = phaseSpans(run, originMs).find((s) => s.phase === "switch");
  return switchSpan ? Math.round(switchSpan.endMs - (run.startedAtMs - originMs)) : null;
}
