/**
 * Turns the agent's receipts into figures: per-host phase times, where the time went beyond the
 * named phases, and the phase spans on the load's time axis for the chart. Pure.
 */
import type { BakeResult } from "../../infra/src/agent/contract";
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
    bake?: BakeResult | null;
  } | null;
  /**
   * Epoch ms when the host's nginx switched (the mtime of the agent's `current` file, which it
   * writes right after the reload); null when unknown.
   */
  switchedAtMs?: number | null;
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

export function hostFigures(
  run: HostRun,
  floor: FloorFigures | null,
  background: HostRolloutFigures["background"] = null,
): HostRolloutFigures {
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
    servingAfterMs: servingAfterMs(run),
    bake: run.summary?.bake ?? null,
    background,
  };
}

/**
 * Where each phase ran, in ms since `originMs` (epoch ms of the load's start). The agent's start is
 * its receipt time minus its total; phases follow one another in the agent's order (the new
 * workers start with the web container, inside boot; "workers" is the rest of their stay-up
 * check, after the bake). When the switch
 * moment is known, the phases are shifted so that the switch ends there. What lies outside the
 * named phases (SSH, the agent's bookkeeping) is an "overhead" span before the first phase and
 * after the last, up to the end of the deployer's command.
 */
export function phaseSpans(run: HostRun, originMs: number): PhaseSpan[] {
  const durations = run.summary?.durationsMs;
  const endAt = run.summary ? Date.parse(run.summary.time) : NaN;
  const deployerStart = run.startedAtMs - originMs;
  if (!durations || typeof durations.total !== "number" || Number.isNaN(endAt)) {
    return [
      {
        host: run.host,
        phase: "overhead",
        startMs: deployerStart,
        endMs: deployerStart + run.wallMs,
      },
    ];
  }
  let cursor = Math.max(deployerStart, endAt - durations.total - originMs);
  const phases: PhaseSpan[] = [];
  for (const [phase, ms] of Object.entries(phasesOf(durations)) as [AgentPhase, number][]) {
    phases.push({ host: run.host, phase, startMs: cursor, endMs: cursor + ms });
    cursor += ms;
  }
  const switchSpan = phases.find((span) => span.phase === "switch");
  if (switchSpan && typeof run.switchedAtMs === "number") {
    const shift = run.switchedAtMs - originMs - switchSpan.endMs;
    for (const span of phases) {
      span.startMs += shift;
      span.endMs += shift;
    }
  }
  const firstStart = phases[0]?.startMs ?? deployerStart;
  const lastEnd = phases[phases.length - 1]?.endMs ?? deployerStart;
  const deployerEnd = deployerStart + run.wallMs;
  const overhead = (startMs: number, endMs: number): PhaseSpan[] =>
    endMs > startMs ? [{ host: run.host, phase: "overhead", startMs, endMs }] : [];
  return [...overhead(deployerStart, firstStart), ...phases, ...overhead(lastEnd, deployerEnd)];
}

/**
 * From the deployer's start to nginx serving the host's new (or, for a rollback, previous)
 * release: exact when the switch moment is known, else the end of the switch phase as placed by
 * phaseSpans (which leaves out the agent's bookkeeping before the switch).
 */
export function servingAfterMs(run: HostRun): number | null {
  if (typeof run.switchedAtMs === "number") return Math.round(run.switchedAtMs - run.startedAtMs);
  const switchSpan = phaseSpans(run, run.startedAtMs).find((s) => s.phase === "switch");
  return switchSpan ? Math.round(switchSpan.endMs) : null;
}
